import type { IncomingMessage } from 'node:http';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { ACCOUNTING_REQUEST_SCHEMAS } from './accounting/dto/accounting-request.schema.js';
import { createOpenApiDocument } from './common/http/openapi.js';
import { staticSecurityHeaders } from './common/http/security-headers.js';
import { errorCodes, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AuthThrottle } from './auth/auth-throttle.js';
import type { AppConfig, HttpTimeouts, TrustProxy } from './config/app-config.js';
import { HttpExceptionFilter } from './common/errors/http-exception.filter.js';
import { DrfValidationPipe } from './common/http/validation.pipe.js';
import { createRootLogger, requestIdFor } from './observability/logging.js';
import { registerRequestLogging } from './observability/request-logging.js';
import { httpRequestDuration } from './observability/metrics.js';

/** Largest JSON body accepted; bigger ones get 413 before any parsing. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** How often node:http looks for requests past their header or request timeout (its default, 30 s, would let them run that much longer). */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export function createFastifyAdapter(options: { trustProxy?: TrustProxy; timeouts?: HttpTimeouts } = {}): FastifyAdapter {
  const requestTimeout = (options.timeouts?.requestSeconds ?? 30) * 1000;
  const headersTimeout = (options.timeouts?.headersSeconds ?? 10) * 1000;
  return new FastifyAdapter({
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    bodyLimit: BODY_LIMIT_BYTES,
    // After close() starts, requests on kept-alive connections get 503 instead of a reset.
    return503OnClosing: true,
    trustProxy: fastifyTrustProxy(options.trustProxy ?? false),
    // A client trickling its headers or body is cut off (408) once the request has taken this long.
    requestTimeout,
    http: { headersTimeout, requestTimeout, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS },
    // The request id: the client's X-Request-Id when it is a sane token, else a new UUID.
    genReqId: (request: IncomingMessage) => requestIdFor(request.headers['x-request-id']),
    // Errors Fastify raises while routing (an undecodable path), before any Nest filter: DRF's shape too.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const detail = error.code === 'FST_ERR_BAD_URL' ? 'Malformed URL: the path is not valid percent-encoding.' : 'Bad request.';
      void reply.code(400).send({ detail });
    },
  });
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count becomes a function trusting the socket's peer and the
 * next `hops - 1` forwarded addresses (Express's meaning): Fastify itself ignores X-Forwarded-For
 * entirely for a number, which would put every client behind the proxy on one per-IP budget.
 */
function fastifyTrustProxy(trust: TrustProxy): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if ('hops' in trust) return (_address: string, hop: number) => hop < trust.hops;
  return trust.proxies;
}

/**
 * Everything the running service and the e2e tests share: security headers, CORS, strict JSON,
 * request ids, request logging (through `logger`) and latency metrics, errors, validation, OpenAPI.
 */
export function configureApp(app: NestFastifyApplication, config: AppConfig, logger: Logger = createRootLogger(config)): void {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // First: it marks each route as it is registered.
  registerRequestLogging(fastify, logger);
  acceptJsonOnly(app, fastify);
  // Once close() has begun, responses to requests still in flight end their connection: a kept-alive
  // socket would otherwise hold the server open until its keep-alive timeout.
  let closing = false;
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    httpRequestDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  const documentHeaders = staticSecurityHeaders({
    frameguard: { action: 'deny' },
    contentSecurityPolicy: {
      // Swagger UI (/api/docs/) loads its scripts from 'self' and uses inline <style> and data: images.
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        // Not upgrade-insecure-requests: the docs must work over plain http on localhost.
        upgradeInsecureRequests: null,
      },
    },
  });
  // JSON responses get OWASP's REST set: nothing may load or frame them, and the headers that only
  // matter for HTML documents are left to the documents (/api/docs/). Fewer bytes on the hot poll.
  const apiHeaders = staticSecurityHeaders({
    contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    originAgentCluster: false,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  // One hook for every response's fixed headers: the request id and the security headers.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(request.url.startsWith('/api/docs') ? documentHeaders : apiHeaders);
    void reply.header('x-request-id', request.id);
    done();
  });
  if (config.corsOrigins.length > 0) {
    app.enableCors({
      origin: config.corsOrigins.includes('*') ? '*' : config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-Id'],
      exposedHeaders: ['X-Result-Count', 'Link', 'Retry-After', 'X-Request-Id'],
      maxAge: 600,
    });
  }

  const throttle = app.get(AuthThrottle, { strict: false });
  app.useGlobalFilters(new HttpExceptionFilter((code) => throttle.onAuthFailure(code)));
  app.useGlobalPipes(new DrfValidationPipe());

  const document = createOpenApiDocument(app, ACCOUNTING_REQUEST_SCHEMAS);
  SwaggerModule.setup('api/docs', app, document, {
    jsonDocumentUrl: 'api/schema',
    yamlDocumentUrl: 'api/schema.yaml',
    customSiteTitle: 'timegate AAA API',
  });
}

/**
 * Request bodies are JSON only (`application/json`, any charset): Fastify's text/plain parser is
 * removed and form bodies are refused, so every other media type gets 415. A body that is not JSON
 * gets 400 naming the parse error; `__proto__` / `constructor.prototype` keys are refused.
 */
function acceptJsonOnly(app: NestFastifyApplication, fastify: FastifyInstance): void {
  const secureParse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  app.useBodyParser('application/json', { bodyLimit: BODY_LIMIT_BYTES }, (request, body, done) => {
    const text = body.toString('utf8');
    void secureParse(request as Parameters<typeof secureParse>[0], text, (error: (Error & { code?: string }) | null, value?: unknown) => {
      if (error?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') done(jsonSyntaxError(text), undefined);
      else done(error, value);
    });
  });
  // Nest would otherwise register its urlencoded parser at init.
  app.useBodyParser('application/x-www-form-urlencoded', { bodyLimit: BODY_LIMIT_BYTES }, (_request, _body, done) => {
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE('application/x-www-form-urlencoded'), undefined);
  });
}

/** Why a body is not JSON, in JSON.parse's words (or the forbidden key), as a 400 SyntaxError. */
function jsonSyntaxError(body: string): SyntaxError & { statusCode: number } {
  let error: SyntaxError;
  try {
    JSON.parse(body);
    error = new SyntaxError('Object contains a forbidden prototype property');
  } catch (cause) {
    error = cause instanceof SyntaxError ? cause : new SyntaxError(String(cause));
  }
  return Object.assign(error, { statusCode: 400 });
}
