import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import pino, { Logger, LoggerOptions } from 'pino';
import { pinoHttp } from 'pino-http';
import type { Request } from 'express';
import type { AppConfig } from '@crm/config';
import { principalOf } from '../auth/api-key.guard';

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
 * new UUID, and it is echoed in the response's X-Request-Id; every log line of the request
 * carries it (nestjs-pino binds it).
 */
export function accessLog(logger: Logger) {
  return pinoHttp({
    logger,
    quietReqLogger: true,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customProps: (req) => {
      const request = req as unknown as Request;
      const route = (request.route as { path?: string } | undefined)?.path;
      const body = request.body as { correlationId?: unknown } | undefined;
      const principal = principalOf(request);
      return {
        ...(route === undefined ? {} : { route: `${request.baseUrl}${route}` }),
        ...(principal ? { key: principal.name } : {}),
        ...(body && typeof body.correlationId === 'string' ? { correlationId: body.correlationId } : {}),
      };
    },
    customSuccessMessage: (req, res, ms) => `${req.method} ${routeOf(req)} ${res.statusCode} ${ms} ms`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
  });
}

const routeOf = (req: IncomingMessage) => {
  const request = req as unknown as Request;
  const route = (request.route as { path?: string } | undefined)?.path;
  return route === undefined ? (req.url ?? '').split('?')[0] : `${request.baseUrl}${route}`;
};
