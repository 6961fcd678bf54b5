import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AppConfig } from './config/app-config.js';
import { HttpExceptionFilter } from './common/errors/http-exception.filter.js';
import { DrfValidationPipe } from './common/http/validation.pipe.js';

/** Largest JSON body accepted; bigger ones get 413 before any parsing. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export function createFastifyAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    bodyLimit: BODY_LIMIT_BYTES,
    return503OnClosing: true,
  });
}

/** Everything the running service and the e2e tests share: errors, validation, OpenAPI. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useGlobalPipes(new DrfValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('timegate AAA API')
      .setDescription(
        'Authentication, authorization and RADIUS-style accounting for networks that sell or grant time. ' +
          'Waldur-style auth tokens under /api/auth-tokens/ (`Authorization: Token <key>`) and the user token ' +
          'API with AAA profiles and balances under /api/v1/ (`Authorization: Bearer <key>`); both accept the same keys. ' +
          'Errors follow Django REST framework: `{"detail": "..."}`, or `{"field": ["message"]}` for invalid input.',
      )
      .setVersion('1')
      .addServer(config.publicUrl)
      .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'Token <key>' }, 'tokenAuth')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Bearer <key>' }, 'bearerAuth')
      .build(),
  );
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/schema',
    yamlDocumentUrl: 'api/schema.yaml',
    customSiteTitle: 'timegate AAA API',
  });
}
