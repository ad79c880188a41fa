import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import type { AppConfig } from '@crm/config';
import { API_KEY_SCHEME } from '../auth/access.decorators';
import { ContractValidationPipe } from './contract-validation.pipe';
import { JSON_MEDIA_TYPES, jsonBodyParser } from './json-body';
import { ProblemDetailsFilter } from './problem-details.filter';
import { ProblemResponse, ViolationResponse } from './problem.response';

/** The request headers a browser client may send cross-origin (CORS_ORIGINS). */
export const CORS_ALLOWED_HEADERS = ['Content-Type', 'Authorization', 'Last-Event-ID', 'X-Request-Id'];
/** The response headers a cross-origin script may read. */
const CORS_EXPOSED_HEADERS = ['Location', 'Retry-After', 'X-Request-Id'];
/** How long a browser may cache a preflight answer, in seconds. */
export const CORS_MAX_AGE_SEC = 600;

/**
 * Security headers on every response (helmet). The API answers JSON only, so its Content-Security-Policy
 * allows nothing (`default-src 'none'`, no framing); the Swagger UI under /docs gets helmet's default
 * policy instead (its own scripts, its inline <style>, data: images), which it needs to load. The
 * dashboard under /dashboard loads only what it serves itself: its scripts and styles from 'self'
 * (nothing inline), images from 'self' and data:, fetch to the API of the same origin, never framed,
 * and its key form is never submitted (form-action 'none': the key cannot end up in a URL).
 */
export function securityHeaders(): (request: Request, response: Response, next: NextFunction) => void {
  const api = helmet({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] } },
  });
  const docs = helmet();
  const dashboard = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
  });
  const isDashboardPath = (path: string) => path === '/dashboard' || path.startsWith('/dashboard/');
  return (request, response, next) => (isDocsPath(request.path) ? docs : isDashboardPath(request.path) ? dashboard : api)(request, response, next);
}

const isDocsPath = (path: string) => path === '/docs' || path.startsWith('/docs/');

/**
 * CORS: off unless CORS_ORIGINS lists origins (no Access-Control-* header at all). With a list,
 * a request whose Origin is in it (exactly) gets that origin echoed (Vary: Origin), and a
 * preflight is answered 204 with the methods, headers and max-age; any other origin gets no CORS
 * header (the browser refuses the response).
 */
function configureCors(app: NestExpressApplication, origins: readonly string[] | undefined): void {
  if (origins === undefined || origins.length === 0) return;
  const allowed = new Set(origins);
  app.enableCors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin) ? origin : false),
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SEC,
    optionsSuccessStatus: 204,
    preflightContinue: false,
  });
}

/**
 * Everything an HTTP app of the platform shares: security headers, CORS when configured, JSON
 * bodies read strictly (size limit, UTF-8, depth, duplicate keys), problem+json errors, DTO
 * validation at the edge, the OpenAPI document at /docs, graceful shutdown.
 */
export function configureHttpApp(
  app: NestExpressApplication,
  config: Pick<AppConfig, 'BODY_LIMIT'> & Partial<Pick<AppConfig, 'CORS_ORIGINS'>>,
  title: string,
): INestApplication {
  app.use(securityHeaders());
  configureCors(app, config.CORS_ORIGINS);
  // The raw reader enforces the limit and inflates gzip/deflate/br; jsonBodyParser parses the bytes.
  app.useBodyParser('raw', { limit: config.BODY_LIMIT, type: JSON_MEDIA_TYPES });
  app.use(jsonBodyParser());
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(new ContractValidationPipe());
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .setDescription('Event-sourced customer-interaction platform: publish call-centre events, read relationship views.')
      .setVersion('1')
      .addBearerAuth(
        { type: 'http', scheme: 'bearer', description: 'An API key (`Authorization: Bearer <key>`); each operation lists the scopes that may call it in x-required-scopes. `npm run keys -- create` makes one.' },
        API_KEY_SCHEME,
      )
      .build(),
    { extraModels: [ProblemResponse, ViolationResponse] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
