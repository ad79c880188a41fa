import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerStorage } from '@nestjs/throttler';
import type { Request } from 'express';
import { ProblemException } from '../http/problem';
import { Rate } from './api-keys';
import { principalOf } from './api-key.guard';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/**
 * Fixed-window counters, one per key: O(1) per request. The library's default storage keeps
 * one expiry per hit and filters them on every request, which at 1,000 requests per second
 * per key is a thousand-entry scan per request on the ingest path.
 */
export class FixedWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, { startedAt: number; hits: number; windowMs: number }>();
  private lastSweep = 0;

  constructor(private readonly now: () => number = Date.now) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    if (now - this.lastSweep > 60_000) this.sweep(now);
    let window = this.windows.get(key);
    if (window === undefined || now - window.startedAt >= window.windowMs || window.windowMs !== ttl) {
      window = { startedAt: now, hits: 0, windowMs: ttl };
      this.windows.set(key, window);
    }
    window.hits++;
    const secondsLeft = Math.max(1, Math.ceil((window.startedAt + window.windowMs - now) / 1000));
    const isBlocked = window.hits > limit;
    return { totalHits: window.hits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
  }

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, window] of this.windows) if (now - window.startedAt >= window.windowMs) this.windows.delete(key);
  }
}

/** The throttler options: each key's own rate, else the default; counted per key across all routes. */
export function rateLimitOptions(defaultRate: Rate, storage: ThrottlerStorage = new FixedWindowStorage()): ThrottlerModuleOptions {
  const rateOf = (context: ExecutionContext): Rate => principalOf(context.switchToHttp().getRequest<Request>())?.rate ?? defaultRate;
  return {
    throttlers: [{ name: 'default', ttl: (context) => rateOf(context).windowMs, limit: (context) => rateOf(context).limit }],
    storage,
  };
}

/**
 * Per-key rate limits (@nestjs/throttler), after the key guard: a request with no principal (an
 * open route) is not counted. Over the limit: 429 problem+json with Retry-After (seconds).
 */
@Injectable()
export class ApiKeyThrottlerGuard extends ThrottlerGuard {
  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return context.getType() !== 'http' || principalOf(context.switchToHttp().getRequest<Request>()) === undefined;
  }

  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    return principalOf(request as unknown as Request)?.name ?? '';
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const rate = principalOf(context.switchToHttp().getRequest<Request>())?.rate;
    throw new ProblemException(429, 'rate-limited', 'Too many requests', `The key "${detail.tracker}" may make ${detail.limit} requests per ${windowName(detail.ttl)}${rate ? ' (its own rate)' : ' (RATE_LIMIT)'}; retry after ${detail.timeToBlockExpire} s.`, {
      retryAfterSec: detail.timeToBlockExpire,
      retriable: true,
    });
  }
}

const windowName = (ms: number) => (ms === 1000 ? 'second' : ms === 60_000 ? 'minute' : ms === 3_600_000 ? 'hour' : `${ms} ms`);
