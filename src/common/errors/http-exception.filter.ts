import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode, RetryLaterError, ThrottledError } from './domain-error.js';

interface ErrorResponse {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** The scheme a client used on this route family, for WWW-Authenticate (DRF sends the first authenticator's). */
function authenticateHeader(request: FastifyRequest): string {
  return request.url.startsWith('/api/v1/') ? 'Bearer realm="api"' : 'Token';
}

export function domainErrorToResponse(error: DomainError, request: FastifyRequest): ErrorResponse {
  const detail = { detail: error.message };
  switch (error.code) {
    case ErrorCode.NotAuthenticated:
    case ErrorCode.InvalidToken:
    case ErrorCode.TokenExpired:
    case ErrorCode.UserInactive:
      return { status: HttpStatus.UNAUTHORIZED, body: detail, headers: { 'www-authenticate': authenticateHeader(request) } };
    case ErrorCode.InvalidCredentials:
    case ErrorCode.Validation:
      return { status: HttpStatus.BAD_REQUEST, body: error.fieldErrors ?? { non_field_errors: [error.message] } };
    case ErrorCode.ParseError:
      return { status: HttpStatus.BAD_REQUEST, body: detail };
    case ErrorCode.PermissionDenied:
      return { status: HttpStatus.FORBIDDEN, body: detail };
    case ErrorCode.NotFound:
    case ErrorCode.InvalidPage:
      return { status: HttpStatus.NOT_FOUND, body: detail };
    case ErrorCode.MethodNotAllowed:
      return { status: HttpStatus.METHOD_NOT_ALLOWED, body: detail };
    case ErrorCode.Conflict:
      return { status: HttpStatus.CONFLICT, body: detail };
    case ErrorCode.UnsupportedMediaType:
      return { status: HttpStatus.UNSUPPORTED_MEDIA_TYPE, body: detail };
    case ErrorCode.PayloadTooLarge:
      return { status: HttpStatus.PAYLOAD_TOO_LARGE, body: detail };
    case ErrorCode.ServiceUnavailable:
      return error instanceof RetryLaterError
        ? { status: HttpStatus.SERVICE_UNAVAILABLE, body: detail, headers: { 'retry-after': String(error.retryAfterSeconds) } }
        : { status: HttpStatus.SERVICE_UNAVAILABLE, body: detail };
    case ErrorCode.UpstreamRefused:
      return { status: HttpStatus.BAD_GATEWAY, body: detail };
    case ErrorCode.UpstreamTimeout:
      return { status: HttpStatus.GATEWAY_TIMEOUT, body: detail };
    case ErrorCode.Throttled: {
      const wait = error instanceof ThrottledError ? error.retryAfterSeconds : 60;
      return { status: HttpStatus.TOO_MANY_REQUESTS, body: detail, headers: { 'retry-after': String(wait) } };
    }
    default: {
      const unreachable: never = error.code;
      throw new Error(`Unmapped error code ${String(unreachable)}`);
    }
  }
}

/** The request's media type as DRF quotes it in a 415 (bounded, it is client input). */
function mediaType(request: FastifyRequest): string {
  const header = request.headers['content-type'] ?? '';
  return header.split(';')[0]!.trim().slice(0, 100);
}

/** Errors raised by Fastify itself (body parsing, size limits) before a route runs. */
function fastifyErrorToDomain(error: { code?: string; statusCode?: number; message: string }, request: FastifyRequest): DomainError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new DomainError(ErrorCode.UnsupportedMediaType, `Unsupported media type "${mediaType(request)}" in request.`);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainError(ErrorCode.ParseError, 'Request body size did not match Content-Length.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError(ErrorCode.PayloadTooLarge, 'Request body is too large.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DomainError(ErrorCode.ParseError, 'JSON parse error - the body is empty.');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new DomainError(ErrorCode.ParseError, 'JSON parse error - the body is not valid JSON.');
    default:
      if (error.statusCode === 400 && error instanceof SyntaxError) {
        return new DomainError(ErrorCode.ParseError, `JSON parse error - ${error.message}`);
      }
      return undefined;
  }
}

/** Told about every authentication failure as it becomes a response (guard, login, the balance poll), to count it. */
export type AuthFailureListener = (code: AuthFailureCode) => void;

export type AuthFailureCode =
  | ErrorCode.NotAuthenticated
  | ErrorCode.InvalidToken
  | ErrorCode.TokenExpired
  | ErrorCode.UserInactive
  | ErrorCode.InvalidCredentials;

const AUTH_FAILURE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.NotAuthenticated,
  ErrorCode.InvalidToken,
  ErrorCode.TokenExpired,
  ErrorCode.UserInactive,
  ErrorCode.InvalidCredentials,
]);

function isAuthFailure(code: ErrorCode): code is AuthFailureCode {
  return AUTH_FAILURE_CODES.has(code);
}

/**
 * The one place errors become HTTP responses: DRF-shaped bodies, never a stack trace. A 500 is logged
 * with the error's type, message and stack only: never the request body, headers or query parameters.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  constructor(private readonly onAuthFailure?: AuthFailureListener) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const response = this.toResponse(exception, request);
    if (response.headers) void reply.headers(response.headers);
    void reply.status(response.status).send(response.body);
  }

  private toResponse(exception: unknown, request: FastifyRequest): ErrorResponse {
    if (exception instanceof DomainError) {
      if (isAuthFailure(exception.code)) this.onAuthFailure?.(exception.code);
      return domainErrorToResponse(exception, request);
    }
    // Nest hands Fastify's own 4xx errors over wrapped in an HttpException, the original as `cause`.
    const raw = exception instanceof HttpException && hasCode(exception.cause) ? exception.cause : exception;
    const fastifyError = hasCode(raw)
      ? fastifyErrorToDomain(raw as { code?: string; statusCode?: number; message: string }, request)
      : undefined;
    if (fastifyError) return domainErrorToResponse(fastifyError, request);
    if (exception instanceof SyntaxError) {
      return domainErrorToResponse(new DomainError(ErrorCode.ParseError, `JSON parse error - ${exception.message}`), request);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND) return { status, body: { detail: 'Not found.' } };
      if (status === HttpStatus.METHOD_NOT_ALLOWED) return { status, body: { detail: `Method "${request.method}" not allowed.` } };
      const payload = exception.getResponse();
      const message = typeof payload === 'string' ? payload : (payload as { message?: unknown }).message;
      const detail = Array.isArray(message) ? message.join(' ') : typeof message === 'string' ? message : exception.message;
      return { status, body: { detail } };
    }
    const statusCode = (exception as { statusCode?: unknown })?.statusCode;
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return { status: statusCode, body: { detail: (exception as Error).message } };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn({ msg: 'Database unavailable', route: request.routeOptions?.url ?? 'unmatched', method: request.method, err: describeError(exception) });
      return domainErrorToResponse(new DomainError(ErrorCode.ServiceUnavailable, 'Service temporarily unavailable, try again later.'), request);
    }
    this.logger.error({ msg: 'Unhandled error', route: request.routeOptions?.url ?? 'unmatched', method: request.method, err: describeError(exception) });
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { detail: 'A server error occurred.' } };
  }
}

/** Connection-level failures (server down, restarting, connection killed): 503, the client may retry. */
const DATABASE_UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

function isDatabaseUnavailable(exception: unknown): boolean {
  if (!(exception instanceof Error)) return false;
  const driverError = (exception as { driverError?: unknown }).driverError;
  const code = (hasCode(driverError) ? driverError.code : (exception as { code?: unknown }).code) as unknown;
  if (typeof code === 'string' && DATABASE_UNAVAILABLE_CODES.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect/.test(exception.message);
}

function hasCode(value: unknown): value is { code: unknown } {
  return typeof value === 'object' && value !== null && 'code' in value;
}

/** What a 500 log line says about the error: no query parameters (TypeORM's QueryFailedError carries them). */
function describeError(exception: unknown): { type: string; message: string; stack?: string } {
  if (exception instanceof Error) return { type: exception.name, message: exception.message, stack: exception.stack };
  return { type: typeof exception, message: String(exception) };
}
