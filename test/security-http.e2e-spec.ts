import { createTestApp, type TestApp } from './support/test-app.js';

/** Transport-level hardening: headers, CORS, body limits, strict JSON, request ids. */
describe('HTTP hardening', () => {
  let t: TestApp;
  let staffToken: string;
  beforeAll(async () => {
    t = await createTestApp();
    staffToken = (await t.factories.staff()).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('security headers (helmet)', () => {
    it('are on API responses, errors included', async () => {
      const response = await t.api().get('/api/no-such-thing/').expect(404);
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-powered-by']).toBeUndefined();
      // A JSON response may not load or be framed by anything.
      expect(response.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
    });

    it('keep a CSP under which Swagger UI at /api/docs/ loads: its scripts are same-origin, inline styles allowed, no https upgrade', async () => {
      const page = await t.api().get('/api/docs/').expect(200);
      const csp = page.headers['content-security-policy'] as string;
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self' 'unsafe-inline'");
      expect(csp).toContain("img-src 'self' data:");
      expect(csp).not.toContain('upgrade-insecure-requests');
      const html = page.text;
      // No inline script: everything it runs comes from 'self'.
      expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
      const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]!);
      expect(scripts.length).toBeGreaterThanOrEqual(3);
      for (const src of scripts) {
        expect(src).not.toMatch(/^https?:/);
        await t.api().get(new URL(src, 'http://testserver/api/docs/').pathname).expect(200);
      }
    });
  });

  describe('CORS', () => {
    it('is closed by default: no Access-Control-Allow-Origin for any origin, preflight included', async () => {
      const simple = await t.api().get('/health/live').set('Origin', 'https://evil.example').expect(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await t.api()
        .options('/api/v1/user_token/')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'GET');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('allows exactly the origins in CORS_ORIGINS', async () => {
      const open = await createTestApp({ corsOrigins: ['https://portal.example.com'] });
      try {
        const allowed = await open.api()
          .options('/api/v1/user_token/')
          .set('Origin', 'https://portal.example.com')
          .set('Access-Control-Request-Method', 'PATCH')
          .set('Access-Control-Request-Headers', 'authorization,content-type');
        expect(allowed.status).toBe(204);
        expect(allowed.headers['access-control-allow-origin']).toBe('https://portal.example.com');
        expect(allowed.headers['access-control-allow-methods']).toContain('PATCH');
        expect(allowed.headers['access-control-allow-headers']?.toLowerCase()).toContain('authorization');
        const other = await open.api().get('/health/live').set('Origin', 'https://evil.example').expect(200);
        expect(other.headers['access-control-allow-origin']).toBeUndefined();
      } finally {
        await open.close();
      }
    });
  });

  describe('request bodies', () => {
    const post = (body: string, contentType?: string) => {
      const request = t.api().post('/api/v1/user_token/').set('Authorization', `Bearer ${staffToken}`);
      if (contentType) request.set('Content-Type', contentType);
      return request.send(body);
    };

    it('answers 413 to a body over 1 MiB, before parsing', async () => {
      const body = JSON.stringify({ username: 'x', organization: 'o', email: 'a@b.co', padding: 'a'.repeat(1024 * 1024) });
      const response = await post(body, 'application/json').expect(413);
      expect(response.body).toEqual({ detail: 'Request body is too large.' });
    });

    it.each([
      ['text/plain', '{"username": "x"}'],
      ['application/x-www-form-urlencoded', 'username=x&organization=o'],
      ['application/xml', '<user/>'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'],
    ])('answers 415 to %s, naming the media type', async (contentType, body) => {
      const response = await post(body, contentType).expect(415);
      expect(response.body).toEqual({ detail: `Unsupported media type "${contentType.split(';')[0]}" in request.` });
    });

    it('accepts application/json with a charset', async () => {
      const response = await post('{"username": "", "organization": "o"}', 'application/json; charset=utf-8').expect(400);
      expect(response.body.username).toBeDefined();
    });

    it.each([
      ['truncated', '{"username": "x"'],
      ['single quotes', "{'username': 'x'}"],
      ['trailing comma', '{"username": "x",}'],
    ])('answers 400 "JSON parse error - …" to malformed JSON (%s)', async (_, body) => {
      const response = await post(body, 'application/json').expect(400);
      expect(Object.keys(response.body)).toEqual(['detail']);
      expect(response.body.detail).toMatch(/^JSON parse error - \S/);
    });

    it('refuses prototype-poisoning keys with 400', async () => {
      const response = await post('{"__proto__": {"is_staff": true}, "username": "x"}', 'application/json').expect(400);
      expect(response.body.detail).toMatch(/^JSON parse error - .*prototype/);
    });

    it('answers 400 to an empty JSON body', async () => {
      const response = await post('', 'application/json').expect(400);
      expect(response.body).toEqual({ detail: 'JSON parse error - the body is empty.' });
    });
  });

  describe('request ids', () => {
    it('generates one per request and returns it in X-Request-Id', async () => {
      const first = await t.api().get('/health/live').expect(200);
      const second = await t.api().get('/health/live').expect(200);
      expect(first.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    });

    it('keeps a sane X-Request-Id from the client, on errors too', async () => {
      const response = await t.api().get('/api/users/').set('X-Request-Id', 'edge-42.abc').expect(401);
      expect(response.headers['x-request-id']).toBe('edge-42.abc');
    });

    it('replaces an X-Request-Id that could forge log lines', async () => {
      const response = await t.api().get('/health/live').set('X-Request-Id', 'a b"}\\n{"level":60').expect(200);
      expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });
});
