import { SetMetadata, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiSecurity } from '@nestjs/swagger';
import { ApiProblemResponse } from '../http/api-problem-response.decorator';
import type { Scope } from './api-keys';

export const REQUIRED_SCOPES = 'crm:required-scopes';
export const PUBLIC_ROUTE = 'crm:public-route';
/** The OpenAPI security scheme of the API keys. */
export const API_KEY_SCHEME = 'api-key';

/**
 * The scopes that may call a route (any one of them), on a handler or a controller. A route with
 * neither this nor @Public() needs `admin`: a route someone forgot to mark is closed, not open.
 * The OpenAPI operation declares the key scheme, `x-required-scopes`, and the 401, 403 and 429 answers.
 */
export function RequireScope(...scopes: [Scope, ...Scope[]]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES, scopes),
    ApiBearerAuth(API_KEY_SCHEME),
    ApiExtension('x-required-scopes', scopes),
    ApiProblemResponse(401, 'No API key, or one that is not configured (WWW-Authenticate says which)'),
    ApiProblemResponse(403, `The key lacks the scope: needs ${scopes.join(' or ')}`),
    ApiProblemResponse(429, "The key's rate limit is used up: Retry-After says when to try again"),
  );
}

/** Open to anyone who can reach the port (liveness, readiness, the API documentation). */
export function Public(): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiSecurity({}));
}
