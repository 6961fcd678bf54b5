const HEX32 = /^[0-9a-f]{32}$/i;
const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A user's uuid as a client may send it (Waldur's 32 hex characters, or the hyphenated form)
 * → PostgreSQL's canonical form; undefined when malformed (the caller answers 404).
 */
export function parseUserUuid(raw: string): string | undefined {
  const value = raw.trim();
  let hex: string;
  if (HEX32.test(value)) hex = value;
  else if (HYPHENATED.test(value)) hex = value.replaceAll('-', '');
  else return undefined;
  hex = hex.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The form the API shows: 32 lowercase hex characters, no hyphens (as Waldur). */
export function uuidHex(uuid: string): string {
  return uuid.replaceAll('-', '').toLowerCase();
}

/** The absolute URL of a user resource, `{publicUrl}/api/users/{uuid32}/` (what Waldur's `user` fields point at). */
export function userUrl(publicUrl: string, uuid: string): string {
  return `${publicUrl}/api/users/${uuidHex(uuid)}/`;
}
