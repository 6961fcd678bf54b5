import type { OpenAPIObject } from '@nestjs/swagger';
import { withPublicOperationsMarked, withTrailingSlashes } from './openapi.js';

describe('withTrailingSlashes', () => {
  it('adds the DRF trailing slash to API paths only', () => {
    const document = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      paths: { '/api/auth-tokens': { get: {} }, '/api/v1/user_token/{id}': { get: {} }, '/health/live': { get: {} }, '/api/x/': { get: {} } },
    } as unknown as OpenAPIObject;
    expect(Object.keys(withTrailingSlashes(document).paths)).toEqual(['/api/auth-tokens/', '/api/v1/user_token/{id}/', '/health/live', '/api/x/']);
  });
});

describe('withPublicOperationsMarked', () => {
  it('says `security: []` on operations without a requirement and keeps the others', () => {
    const document = {
      openapi: '3.0.0',
      info: { title: 't', version: '1' },
      paths: {
        '/health/live': { get: { responses: {} } },
        '/api/x/': { get: { responses: {}, security: [{ tokenAuth: [] }] }, post: { responses: {} } },
      },
    } as unknown as OpenAPIObject;
    const marked = withPublicOperationsMarked(document).paths;
    expect(marked['/health/live']!.get!.security).toEqual([]);
    expect(marked['/api/x/']!.get!.security).toEqual([{ tokenAuth: [] }]);
    expect(marked['/api/x/']!.post!.security).toEqual([]);
  });
});
