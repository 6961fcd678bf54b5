import http from 'node:http';

export interface RawRequest {
  method: string;
  /** Sent as is: the caller percent-encodes it. */
  path: string;
  headers?: Record<string, string>;
  /** The exact bytes of the body (already serialized), or none. */
  body?: string | Buffer;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: unknown;
}

/**
 * A minimal HTTP client over one keep-alive agent: sends the path, headers and body bytes exactly
 * as given (no URL normalisation, unlike fetch), which is what a fuzzer needs. Fastify's inject()
 * would be faster but light-my-request cannot be loaded by Jest's ESM runtime (it requires the
 * ESM-only `cookie`); a local socket costs ~1 ms a request.
 */
export class RawHttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  send(request: RawRequest): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      // Framed explicitly: Node would send a GET's body unframed, corrupting the keep-alive connection.
      const headers = { ...request.headers, ...(request.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(request.body)) }) };
      const req = http.request(
        { host: this.host, port: this.port, agent: this.agent, method: request.method, path: request.path, headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text === '' ? undefined : JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
          });
        },
      );
      req.on('error', reject);
      req.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/**
 * Percent-encodes every byte of the UTF-8 form except RFC 3986 unreserved characters
 * (lone surrogates become U+FFFD, as any UTF-8 client would send them).
 */
export function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
