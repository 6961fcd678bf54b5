import { connect, type AddressInfo } from 'node:net';
import type { TrustProxy } from '../src/config/app-config.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { uniqueUsername } from './support/factories.js';

/**
 * The HTTP edge: which client address the per-IP limits count (TRUST_PROXY), and how long a client
 * may take to send a request (HTTP_HEADERS_TIMEOUT_SECONDS, HTTP_REQUEST_TIMEOUT_SECONDS).
 */
describe('HTTP edge', () => {
  describe('TRUST_PROXY as a hop count or proxy addresses: X-Forwarded-For cannot pick the client address', () => {
    const login = (t: TestApp, forwardedFor: string) =>
      t.api().post('/api/auth/login/').set('X-Forwarded-For', forwardedFor).send({ username: uniqueUsername('spray'), password: 'guess' });

    it.each<[string, TrustProxy]>([
      ['1 (one proxy in front)', { hops: 1 }],
      ['the proxy address 127.0.0.1', { proxies: ['127.0.0.1'] }],
    ])('TRUST_PROXY=%s: a client rotating the forwarded addresses it writes is still limited on the address the proxy saw', async (_, trustProxy) => {
      const t = await createTestApp({ trustProxy });
      try {
        // The client sends its own X-Forwarded-For with a new address each time; the proxy (this test,
        // on 127.0.0.1) appends the address it really saw, 203.0.113.9.
        for (let i = 0; i < 10; i += 1) await login(t, `198.51.100.${i}, 203.0.113.9`).expect(400);
        await login(t, '198.51.100.77, 203.0.113.9').expect(429);
        // Another real client behind the same proxy has a budget of its own.
        await login(t, '198.51.100.77, 203.0.113.10').expect(400);
      } finally {
        await t.close();
      }
    }, 120_000);
  });

  describe('slow clients', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await createTestApp({ httpTimeouts: { headersSeconds: 1, requestSeconds: 2 } });
      await t.app.listen(0, '127.0.0.1');
      port = (t.app.getHttpServer().address() as AddressInfo).port;
    });
    afterAll(async () => {
      await t?.close();
    });

    /** Opens a raw connection, sends `head`, then trickles `trickle` one byte every `everyMs`; resolves when the server closes it. */
    function trickle(head: string, body: string, everyMs: number): Promise<{ seconds: number; received: string; bytesSent: number }> {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        let received = '';
        let sent = 0;
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(head);
          const timer = setInterval(() => {
            if (sent >= body.length || socket.destroyed) return;
            socket.write(body[sent]!);
            sent += 1;
          }, everyMs);
          socket.once('close', () => {
            clearInterval(timer);
            resolve({ seconds: (Date.now() - started) / 1000, received, bytesSent: sent });
          });
        });
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('error', (error: NodeJS.ErrnoException) => {
          if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
        });
        // The test's own bound: far beyond the configured 2 s, far below the 130 s seen before.
        setTimeout(() => socket.destroy(new Error('still open after 15 s')), 15_000).unref();
      });
    }

    it('cuts off a body trickled one byte at a time with 408 once the request timeout (2 s) has passed', async () => {
      const body = JSON.stringify({ username: 'slow-loris', password: 'x'.repeat(80) });
      const head = `POST /api/auth/login/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      const result = await trickle(head, body, 250);
      expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
      expect(result.seconds).toBeGreaterThanOrEqual(1.9);
      expect(result.seconds).toBeLessThan(5);
      expect(result.bytesSent).toBeLessThan(body.length);
    });

    it('cuts off headers trickled one byte at a time once the headers timeout (1 s) has passed', async () => {
      const head = `GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'p'.repeat(100)}\r\n\r\n`;
      const result = await trickle('', head, 100);
      expect(result.received).toMatch(/^HTTP\/1\.1 408 /);
      expect(result.seconds).toBeLessThan(4);
      expect(result.bytesSent).toBeLessThan(head.length);
    });

    it('still serves a normal request on the same server', async () => {
      await t.api().get('/health/live').expect(200);
    });
  });
});
