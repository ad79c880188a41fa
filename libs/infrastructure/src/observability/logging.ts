import { randomUUID } from 'node:crypto';
import pino, { Logger, LoggerOptions } from 'pino';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '@crm/config';
import { principalOf } from '../auth/api-key.guard';
import { routePatternOf } from '../http/route-pattern';

type NestLevel = AppConfig['LOG_LEVEL'];
const PINO_LEVEL: Record<NestLevel, pino.Level> = { error: 'error', warn: 'warn', log: 'info', debug: 'debug', verbose: 'trace' };

/** A request id the caller may choose (X-Request-Id): short, printable, no separators a log parser could trip on. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Whether logs are JSON lines: LOG_FORMAT=json, or `auto` (the default) when standard output is
 * not a terminal (a container, a pipe, a file); otherwise one readable line per entry.
 */
export function logsAsJson(format: AppConfig['LOG_FORMAT'], isTty: boolean = process.stdout.isTTY === true): boolean {
  return format === 'json' || (format === 'auto' && !isTty);
}

/**
 * The process's pino logger: level from LOG_LEVEL (or the most verbose level a test asks for),
 * `service` on every line, ISO timestamps, and never a secret: the key headers are not logged
 * (the request serializer keeps method, url and id only).
 */
export function createRootLogger(config: Pick<AppConfig, 'LOG_LEVEL' | 'LOG_FORMAT'>, service: string, levels?: false | readonly NestLevel[]): Logger {
  const level: pino.LevelWithSilent = levels === false ? 'silent' : levels !== undefined ? PINO_LEVEL[levels[levels.length - 1] ?? 'error'] : PINO_LEVEL[config.LOG_LEVEL];
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // Written synchronously: the lines of a shutdown (or a crash) reach the output before the process exits.
  if (logsAsJson(config.LOG_FORMAT)) return pino(options, pino.destination({ dest: 1, sync: true }));
  return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,req,res' } } });
}

/**
 * The access log and the request id: one line per request (method, route pattern, status,
 * duration, request id, the key's name, and for a single published event its correlationId),
 * warn for 4xx, error for 5xx. The id is the caller's X-Request-Id when it is a sane one, else a
 * new UUID, and it is echoed in the response's X-Request-Id (and named by the error line of a
 * 5xx, see ProblemDetailsFilter). Not bound to every line of the request through an
 * AsyncLocalStorage: that costs every promise of the process (measured). Written by hand on
 * pino rather than with pino-http: pino-http builds three child loggers and two serializer passes
 * per request even when the line is not written, which cost a third of single-event ingest
 * throughput in a paired run; this costs an id, a header and a finish listener.
 */
export function accessLog(logger: Logger): (request: Request, response: Response, next: NextFunction) => void {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    const given = request.headers['x-request-id'];
    const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader('X-Request-Id', reqId);
    response.once('finish', () => {
      const status = response.statusCode;
      const level = status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const route = routePatternOf(request) ?? request.path;
      const body = request.body as { correlationId?: unknown } | undefined;
      const principal = principalOf(request);
      const ms = Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
      logger[level](
        {
          reqId,
          req: { method: request.method, url: request.originalUrl },
          res: { statusCode: status },
          route,
          responseTime: ms,
          ...(principal ? { key: principal.name } : {}),
          ...(body && typeof body.correlationId === 'string' ? { correlationId: body.correlationId } : {}),
        },
        `${request.method} ${route} ${status} ${ms} ms`,
      );
    });
    next();
  };
}
