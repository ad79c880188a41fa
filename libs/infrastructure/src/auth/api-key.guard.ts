import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ProblemException } from '../http/problem';
import { ApiKeyRegistry } from './api-key-registry';
import { Principal, Rate, Scope, presentedKey } from './api-keys';
import { PUBLIC_ROUTE, REQUIRED_SCOPES } from './access.decorators';
import { RateWindows, windowName } from './rate-limit';

/** Injection token of the default rate (RATE_LIMIT), for keys whose line gives none. */
export const DEFAULT_RATE = Symbol('DEFAULT_RATE');

/** A request that passed the guard carries who it is. */
export type AuthenticatedRequest = Request & { principal?: Principal };

/** The principal of a request that passed the guard (undefined on an open route). */
export const principalOf = (request: Request): Principal | undefined => (request as AuthenticatedRequest).principal;

/** Whether the request's key holds the scope (read-pii included in its own line: see SCOPES). */
export const hasScope = (request: Request, scope: Scope): boolean => principalOf(request)?.scopes.has(scope) ?? false;

const REALM = 'crm';

/**
 * Every HTTP route needs an API key holding one of its scopes (@RequireScope), admin where none
 * is declared, none on @Public() routes. No key or an unknown one: 401 with WWW-Authenticate
 * (RFC 6750); a key without the scope: 403 naming the scope needed and the key's own. The
 * problem never says whether a key exists under another name. Then the key's rate (its line's
 * `rate=`, else RATE_LIMIT), counted per key across every route of the process: over it, 429
 * with Retry-After. One synchronous guard: Nest's guard pipeline costs per guard and per await,
 * and this runs on every ingest request.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly windows = new RateWindows();

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyRegistry) private readonly keys: ApiKeyRegistry,
    @Inject(DEFAULT_RATE) private readonly defaultRate: Rate,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const required = this.reflector.getAllAndOverride<Scope[]>(REQUIRED_SCOPES, targets) ?? ['admin'];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    if (request.headers.authorization !== undefined && request.headers['x-api-key'] !== undefined) {
      // Two credentials: which one counts would be a guess (a proxy adding one, a client another).
      response.setHeader('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_request"`);
      throw new ProblemException(401, 'unauthenticated', 'Authentication required', 'Send one API key: Authorization: Bearer <key> or X-API-Key, not both.');
    }
    const key = presentedKey(request.headers);
    if (key === undefined || key === '') {
      response.setHeader('WWW-Authenticate', `Bearer realm="${REALM}"`);
      throw new ProblemException(401, 'unauthenticated', 'Authentication required', 'Send an API key: Authorization: Bearer <key> (or X-API-Key: <key>).');
    }
    const principal = this.keys.authenticate(key);
    if (principal === undefined) {
      response.setHeader('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="unknown API key"`);
      throw new ProblemException(401, 'unauthenticated', 'Authentication required', 'The API key is not configured (revoked, mistyped, or of another installation).');
    }
    request.principal = principal;
    if (!required.some((scope) => principal.scopes.has(scope))) {
      throw new ProblemException(403, 'forbidden', 'Scope missing', `This route needs the scope ${required.join(' or ')}; the key "${principal.name}" has ${[...principal.scopes].join(', ')}.`, {
        requiredScopes: required,
        keyScopes: [...principal.scopes],
      });
    }
    const rate = principal.rate ?? this.defaultRate;
    const hit = this.windows.hit(principal.name, rate);
    if (hit.limited) {
      response.setHeader('Retry-After', String(hit.secondsLeft));
      throw new ProblemException(
        429,
        'rate-limited',
        'Too many requests',
        `The key "${principal.name}" may make ${rate.limit} requests per ${windowName(rate.windowMs)}${principal.rate ? ' (its own rate)' : ' (RATE_LIMIT)'}; retry after ${hit.secondsLeft} s.`,
        { retryAfterSec: hit.secondsLeft, retriable: true },
      );
    }
    return true;
  }
}
