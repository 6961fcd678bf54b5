import type { OpenAPIObject } from '@nestjs/swagger';
import { withTrailingSlashes } from './openapi.js';

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
