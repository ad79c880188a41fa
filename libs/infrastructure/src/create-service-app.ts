import { DynamicModule, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { AppConfig, ConfigError, loadConfig } from '@crm/config';
import { configureHttpApp } from './http/configure-http-app';
import { InfrastructureModule } from './infrastructure.module';
import { Metrics } from './observability/metrics';
import { httpMetrics } from './observability/metrics.controller';
import { httpTracing, startTracing } from './observability/tracing';
import { accessLog, createRootLogger } from './observability/logging';
import { Logger as PinoNestLogger, LoggerModule } from 'nestjs-pino';

export type LogLevels = false | ('error' | 'warn' | 'log' | 'debug' | 'verbose')[];


/**
 * One Nest HTTP app of the platform: the configured adapters plus the given feature modules,
 * with the shared HTTP setup (problem+json, validation, /docs, /health).
 */
export async function createServiceApp(
  name: string,
  config: AppConfig,
  features: (Type | DynamicModule)[],
  options: { logger?: LogLevels } = {},
): Promise<NestExpressApplication> {
  // JSON lines (or readable ones in a terminal) through pino; every Nest logger call included.
  const logger = createRootLogger(config, name, options.logger);
  // nestjs-pino as Nest's logger; its per-request middleware is not mounted (forRoutes: []): the
  // access log binds the request id for every line already.
  @Module({ imports: [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] }), InfrastructureModule.forRoot(config), ...features] })
  class ServiceModule {}
  Object.defineProperty(ServiceModule, 'name', { value: `${name}Module` });

  const app = await NestFactory.create<NestExpressApplication>(ServiceModule, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoNestLogger));
  // First: every request gets its id and its access-log line, even one the body reader refuses.
  app.use(accessLog(logger));
  app.use(httpTracing());
  app.use(httpMetrics(app.get(Metrics)));
  configureHttpApp(app, config, `CRM interaction platform: ${name}`);
  return app;
}

/** main() of a service: validate the configuration, start, listen; a bad configuration exits 1 with every problem named. */
export function runService(name: string, features: (Type | DynamicModule)[], beforeListen?: (config: AppConfig) => void): void {
  (async () => {
    const config = loadConfig();
    // Off unless the standard OTEL_* variables ask for it (then: OTLP over HTTP).
    const tracing = startTracing({ serviceName: `crm-${name}` });
    process.once('beforeExit', () => void tracing.shutdown());
    beforeListen?.(config);
    const app = await createServiceApp(name, config, features);
    await app.listen(config.PORT, config.HOST);
    const { port } = app.getHttpServer().address() as { port: number };
    console.log(`${name} (${config.CRM_MODE}: ${config.EVENT_STORE}/${config.TRANSPORT}/${config.READ_STORE}) on http://localhost:${port}, API docs at /docs`);
  })().catch((error) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  });
}
