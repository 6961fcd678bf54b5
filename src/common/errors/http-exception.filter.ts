import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ErrorCode } from './domain-error.js';

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
      return { status: HttpStatus.SERVICE_UNAVAILABLE, body: detail };
    default: {
      const unreachable: never = error.code;
      throw new Error(`Unmapped error code ${String(unreachable)}`);
    }
  }
}

/** Errors raised by Fastify itself (body parsing, size limits) before a route runs. */
function fastifyErrorToDomain(error: { code?: string; statusCode?: number; message: string }): DomainError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new DomainError(ErrorCode.UnsupportedMediaType, 'Unsupported media type in request.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new DomainError(ErrorCode.PayloadTooLarge, 'Request body is too large.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new DomainError(ErrorCode.ParseError, 'JSON parse error - the body is empty.');
    default:
      if (error.statusCode === 400 && error instanceof SyntaxError) {
        return new DomainError(ErrorCode.ParseError, `JSON parse error - ${error.message}`);
      }
      return undefined;
  }
}

/** The one place errors become HTTP responses: DRF-shaped bodies, never a stack trace. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const response = this.toResponse(exception, request);
    if (response.headers) void reply.headers(response.headers);
    void reply.status(response.status).send(response.body);
  }

  private toResponse(exception: unknown, request: FastifyRequest): ErrorResponse {
    if (exception instanceof DomainError) return domainErrorToResponse(exception, request);
    const fastifyError = typeof exception === 'object' && exception !== null && 'code' in exception
      ? fastifyErrorToDomain(exception as { code?: string; statusCode?: number; message: string })
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
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { detail: 'A server error occurred.' } };
  }
}
