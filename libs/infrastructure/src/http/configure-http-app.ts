import { INestApplication } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@crm/config';
import { ContractValidationPipe } from './contract-validation.pipe';
import { JSON_MEDIA_TYPES, jsonBodyParser } from './json-body';
import { ProblemDetailsFilter } from './problem-details.filter';
import { ProblemResponse, ViolationResponse } from './problem.response';

/**
 * Everything an HTTP app of the platform shares: JSON bodies read strictly (size limit, UTF-8,
 * depth, duplicate keys), problem+json errors, DTO validation at the edge, the OpenAPI document
 * at /docs, graceful shutdown.
 */
export function configureHttpApp(app: NestExpressApplication, config: Pick<AppConfig, 'BODY_LIMIT'>, title: string): INestApplication {
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
      .build(),
    { extraModels: [ProblemResponse, ViolationResponse] },
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
