import type { OpenAPIObject } from '@nestjs/swagger';

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
