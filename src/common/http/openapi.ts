import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type SchemaObject } from '@nestjs/swagger';
import { METRICS_AUTH_SCHEME, TOKEN_AUTH_SCHEME } from '../../auth/auth.decorators.js';

/**
 * The OpenAPI document of the service. `schemas` are hand-written component schemas (bodies that
 * a DTO class cannot describe, such as a `oneOf` of two forms) referenced by `$ref` from the routes.
 *
 * The one server is relative (`/`): the docs' "Try it out" and generated clients call the host the
 * schema was fetched from, whatever name the service is reached at (PUBLIC_URL only builds links).
 */
export function createOpenApiDocument(app: INestApplication, schemas: Record<string, SchemaObject> = {}): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('timegate AAA API')
    .setDescription(
      'Authentication, authorization and RADIUS-style accounting for networks that sell or grant time. ' +
        'Waldur-style auth tokens under /api/auth-tokens/ and the user token API with AAA profiles and balances ' +
        'under /api/v1/. Every authenticated operation takes `Authorization: Token <key>` or ' +
        '`Authorization: Bearer <key>` (the same keys): the `tokenAuth` scheme is that whole header value. ' +
        'Errors follow Django REST framework: `{"detail": "..."}`, or `{"field": ["message"]}` for invalid input.',
    )
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'This service, at the address this document was fetched from.')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description:
          'The whole `Authorization` header value: `Token <key>` (Waldur style) or `Bearer <key>`; both work on every ' +
          'operation. Generated clients: pass it as is, e.g. `auth: "Token <key>"`.',
      },
      TOKEN_AUTH_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'METRICS_TOKEN', description: 'The `METRICS_TOKEN` setting; /metrics requires it only when it is set.' },
      METRICS_AUTH_SCHEME,
    )
    .build();
  const withSchemas = { ...config, components: { ...config.components, schemas } };
  return withPublicOperationsMarked(withTrailingSlashes(SwaggerModule.createDocument(app, withSchemas)));
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/**
 * Every route declares an access rule and the non-public ones document their `security`
 * (auth.decorators.ts), so an operation without one is public: it says so with `security: []`.
 */
export function withPublicOperationsMarked(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    const marked = { ...item };
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (operation) marked[method] = { ...operation, security: operation.security ?? [] };
    }
    paths[path] = marked;
  }
  return { ...document, paths };
}

/**
 * Makes the generated document match the HTTP contract: Django REST framework's paths end in a
 * slash (`/api/auth-tokens/`, `/api/v1/user_token/{id}/`), and clients generated from the schema
 * call exactly the paths it lists. The service answers both forms (ignoreTrailingSlash).
 */
export function withTrailingSlashes(document: OpenAPIObject): OpenAPIObject {
  const paths: OpenAPIObject['paths'] = {};
  for (const [path, item] of Object.entries(document.paths)) {
    paths[path.startsWith('/api/') && !path.endsWith('/') ? `${path}/` : path] = item;
  }
  return { ...document, paths };
}
