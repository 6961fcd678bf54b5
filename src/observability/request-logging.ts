import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';

/**
 * How a route is logged:
 * - `line`: one line per request (`request completed`), and every line logged while handling it
 *   carries its `request_id`;
 * - `probe`: the same request-scoped `request_id`, but no per-request line (probed every few seconds);
 * - `quiet`: neither, so the route's requests pay nothing for logging: the captive-portal balance polls,
 *   which thousands of gateways call every 5-60 s per client (bench:poll).
 */
type RouteLogging = 'line' | 'probe' | 'quiet';

const PROBE_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);
const QUIET_ROUTES = new Set([
  'GET /api/v1/balance',
  // The seed API's own poll: GET /api/v1/user_token/{id}/?balance=true. Writes to it are still logged.
  'GET /api/v1/user_token/:id',
]);

function loggingOf(method: string, url: string): RouteLogging {
  const path = url.length > 1 ? url.replace(/\/+$/, '') : url;
  if (QUIET_ROUTES.has(`${method} ${path}`)) return 'quiet';
  if (PROBE_ROUTES.has(path)) return 'probe';
  return 'line';
}

/** Set on each route's config when it is registered (`onRoute`); unmatched requests (404) have none: `line`. */
const ROUTE_LOGGING = 'requestLogging';

/** The logger of the request being handled, with its `request_id`: what Nest's logger writes through. */
const requestScope = new AsyncLocalStorage<Logger>();
/**
 * Requests in flight inside the scope. The scope's async hooks (a hook on every promise the process
 * creates) are on only while there is one: the quiet polls never turn them on, and between logged
 * requests they cost them nothing.
 */
let scopedInFlight = 0;

/** The logger of the request whose handling is running now (its lines carry `request_id`), if any. */
export function currentRequestLogger(): Logger | undefined {
  return requestScope.getStore();
}

/**
 * Request logging as Fastify hooks, set up before any route is registered: per request one line
 * `request completed` (`request_id`, `req` {method, url without query, remoteAddress, userAgent},
 * `res` {statusCode}, `responseTime` in ms; `request errored` at error level for a 5xx, `request
 * aborted` when the client went away before the response), and a request-scoped logger that every
 * line logged while handling the request goes through. Quiet routes skip all of it.
 */
export function registerRequestLogging(fastify: FastifyInstance, root: Logger): void {
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const logging = methods.every((method) => loggingOf(method, route.url) === 'quiet') ? 'quiet' : loggingOf(methods[0]!, route.url);
    route.config = { ...route.config, [ROUTE_LOGGING]: logging };
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const logging = routeLogging(request);
    if (logging === 'quiet') {
      done();
      return;
    }
    const logger = root.child({ request_id: request.id });
    scopedInFlight += 1;
    // 'close' comes after the response or after the client went away: whichever way the request ends.
    reply.raw.once('close', () => {
      if (logging === 'line') logRequest(logger, request, reply);
      scopedInFlight -= 1;
      if (scopedInFlight === 0) requestScope.disable();
    });
    requestScope.run(logger, done);
  });
}

function routeLogging(request: FastifyRequest): RouteLogging {
  return (request.routeOptions.config as { [ROUTE_LOGGING]?: RouteLogging })[ROUTE_LOGGING] ?? 'line';
}

function logRequest(logger: Logger, request: FastifyRequest, reply: FastifyReply): void {
  const fields = {
    req: {
      id: request.id,
      method: request.method,
      // Without the query string: it is client input and may be large.
      url: request.url.split('?')[0],
      remoteAddress: request.raw.socket?.remoteAddress,
      userAgent: request.headers['user-agent'],
    },
    res: { statusCode: reply.statusCode },
    responseTime: Math.round(reply.elapsedTime),
  };
  if (!reply.raw.writableFinished) logger.error(fields, 'request aborted');
  else if (reply.statusCode >= 500) logger.error({ ...fields, err: { message: `failed with status code ${reply.statusCode}` } }, 'request errored');
  else logger.info(fields, 'request completed');
}
