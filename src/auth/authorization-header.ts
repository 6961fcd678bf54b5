import { DomainError, ErrorCode } from '../common/errors/domain-error.js';

const SCHEMES = ['token', 'bearer'];

/**
 * Extracts the key from `Authorization: Token <key>` or `Bearer <key>` (scheme case-insensitive),
 * with DRF's messages for malformed headers. Another scheme, or no header, means no credentials.
 */
export function parseAuthorizationHeader(header: string | undefined): string {
  const parts = (header ?? '').trim().split(/\s+/).filter(Boolean);
  if (parts.length === 0 || !SCHEMES.includes(parts[0]!.toLowerCase())) throw DomainError.notAuthenticated();
  if (parts.length === 1) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token header. No credentials provided.');
  if (parts.length > 2) throw new DomainError(ErrorCode.InvalidToken, 'Invalid token header. Token string should not contain spaces.');
  return parts[1]!;
}
