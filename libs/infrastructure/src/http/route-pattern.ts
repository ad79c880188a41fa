import type { Request } from 'express';

/**
 * The route pattern a request matched (`/v1/customers/:id`, never the id), once it is routed;
 * undefined when no route matched. What the metrics, the access log and the traces name a request by.
 */
export function routePatternOf(request: Request): string | undefined {
  const route = (request.route as { path?: string } | undefined)?.path;
  return route === undefined ? undefined : `${request.baseUrl}${route}`;
}
