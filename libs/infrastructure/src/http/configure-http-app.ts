import { INestApplication, ValidationPipe } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from '@crm/config';
import { CONTRACT_VALIDATOR_OPTIONS, flattenValidationErrors } from '@crm/contracts/edge';
import { ProblemDetailsFilter } from './problem-details.filter';
import { validationProblem } from './problem';

/**
 * Everything an HTTP app of the platform shares: JSON body limit, problem+json errors,
 * DTO validation at the edge, the OpenAPI document at /docs, graceful shutdown.
 */
export function configureHttpApp(app: NestExpressApplication, config: Pick<AppConfig, 'BODY_LIMIT'>, title: string): INestApplication {
  app.useBodyParser('json', { limit: config.BODY_LIMIT, type: ['application/json', 'application/*+json'] });
  app.useGlobalFilters(new ProblemDetailsFilter());
  app.useGlobalPipes(
    new ValidationPipe({
      ...CONTRACT_VALIDATOR_OPTIONS,
      transform: true,
      exceptionFactory: (errors) => validationProblem(flattenValidationErrors(errors)),
    }),
  );
  app.enableShutdownHooks();
  app.disable('x-powered-by');
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .setDescription('Event-sourced customer-interaction platform: publish call-centre events, read relationship views.')
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
