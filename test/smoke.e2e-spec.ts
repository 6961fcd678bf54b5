import { createTestApp, type TestApp } from './support/test-app.js';

describe('service smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves the OpenAPI schema without credentials', async () => {
    const response = await t.api().get('/api/schema/').expect(200);
    expect(response.body.openapi).toMatch(/^3\./);
    // The seed APIs' paths exactly, with DRF's trailing slash, so generated clients call the right URLs.
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth-tokens/', '/api/auth-tokens/{user_id}/', '/api/v1/user_token/', '/api/v1/user_token/{id}/']),
    );
    // One scheme on the Authorization header (its whole value: "Token <key>" or "Bearer <key>"), and /metrics's own.
    expect(response.body.components.securitySchemes).toEqual({
      tokenAuth: { type: 'apiKey', in: 'header', name: 'Authorization', description: expect.any(String) },
      metricsAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'METRICS_TOKEN', description: expect.any(String) },
    });
  });

  it('answers an unknown route with a DRF 404', async () => {
    const response = await t.api().get('/api/no-such-thing/').expect(404);
    expect(response.body).toEqual({ detail: 'Not found.' });
  });

  it('rejects a missing token with DRF 401 and WWW-Authenticate', async () => {
    const response = await t.api().get('/api/auth-tokens/').expect(401);
    expect(response.body).toEqual({ detail: 'Authentication credentials were not provided.' });
    expect(response.headers['www-authenticate']).toBe('Token');
  });
});
