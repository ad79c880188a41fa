import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Public } from '../auth/access.decorators';
import { routePatternOf } from '../http/route-pattern';
import { Metrics } from './metrics';

/**
 * GET /metrics, Prometheus text format. Open like readiness (a scraper inside the network): it
 * names routes, event types, partitions and reasons, never a customer. Left out of the OpenAPI
 * document: it is for Prometheus, not for API clients.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(Metrics) private readonly metrics: Metrics) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}

/**
 * Counts and times every HTTP request by method, route pattern (`/v1/customers/:id`, never the
 * id) and status; a request no route matched counts as `(unmatched)`.
 */
export function httpMetrics(metrics: Metrics): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const labels = { method: request.method, route: routePatternOf(request) ?? '(unmatched)' };
      metrics.httpRequests.inc({ ...labels, status: String(response.statusCode) });
      metrics.httpDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
