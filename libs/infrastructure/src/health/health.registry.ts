import { Inject, Injectable, Optional } from '@nestjs/common';
import { Metrics } from '../observability/metrics';

export type HealthCheck = () => Promise<unknown>;

/** Components register what readiness means for them (a store answers, a loop runs and its lag). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();

  constructor(@Optional() @Inject(Metrics) private readonly metrics?: Metrics) {}

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  async run(): Promise<{ ok: boolean; checks: Record<string, unknown> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          return [name, { status: 'up', ...asObject(await check()) }, true] as const;
        } catch (error) {
          this.metrics?.healthFailures.inc({ component: name });
          return [name, { status: 'down', error: (error as Error).message }, false] as const;
        }
      }),
    );
    return { ok: entries.every(([, , ok]) => ok), checks: Object.fromEntries(entries.map(([name, result]) => [name, result])) };
  }
}

const asObject = (value: unknown) => (value && typeof value === 'object' ? value : {});
