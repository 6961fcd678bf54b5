/**
 * Every failure the services report. Services, the scheduler and the CLI throw these;
 * only the HTTP exception filter turns them into status codes and DRF-style bodies.
 */
export enum ErrorCode {
  NotAuthenticated = 'not_authenticated',
  InvalidToken = 'invalid_token',
  TokenExpired = 'token_expired',
  UserInactive = 'user_inactive',
  InvalidCredentials = 'invalid_credentials',
  PermissionDenied = 'permission_denied',
  NotFound = 'not_found',
  InvalidPage = 'invalid_page',
  MethodNotAllowed = 'method_not_allowed',
  Validation = 'validation',
  ParseError = 'parse_error',
  UnsupportedMediaType = 'unsupported_media_type',
  PayloadTooLarge = 'payload_too_large',
  Conflict = 'conflict',
  ServiceUnavailable = 'service_unavailable',
  /** An upstream device (a NAS) refused what was asked of it. */
  UpstreamRefused = 'upstream_refused',
  /** An upstream device (a NAS) did not answer in time. */
  UpstreamTimeout = 'upstream_timeout',
  Throttled = 'throttled',
}

/** Field name → messages, as Django REST framework reports validation failures. */
export type FieldErrors = Record<string, string[]>;

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: FieldErrors,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static validation(fieldErrors: FieldErrors): DomainError {
    return new DomainError(ErrorCode.Validation, 'Invalid input.', fieldErrors);
  }

  static field(field: string, message: string): DomainError {
    return DomainError.validation({ [field]: [message] });
  }

  static notFound(message = 'Not found.'): DomainError {
    return new DomainError(ErrorCode.NotFound, message);
  }

  static permissionDenied(): DomainError {
    return new DomainError(ErrorCode.PermissionDenied, 'You do not have permission to perform this action.');
  }

  static notAuthenticated(): DomainError {
    return new DomainError(ErrorCode.NotAuthenticated, 'Authentication credentials were not provided.');
  }

  static methodNotAllowed(method: string): DomainError {
    return new DomainError(ErrorCode.MethodNotAllowed, `Method "${method}" not allowed.`);
  }
}

/** Too many attempts: 429 with Retry-After, DRF's Throttled message. */
export class ThrottledError extends DomainError {
  /** Whole seconds until a retry can succeed (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(waitSeconds: number) {
    const wait = Math.max(1, Math.ceil(waitSeconds));
    super(ErrorCode.Throttled, `Request was throttled. Expected available in ${wait} second${wait === 1 ? '' : 's'}.`);
    this.retryAfterSeconds = wait;
    this.name = 'ThrottledError';
  }
}

/** Temporarily unable to complete (e.g. a write that kept colliding with concurrent ones): 503 with Retry-After. */
export class RetryLaterError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(ErrorCode.ServiceUnavailable, message);
    this.name = 'RetryLaterError';
  }
}
