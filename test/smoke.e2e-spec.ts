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
