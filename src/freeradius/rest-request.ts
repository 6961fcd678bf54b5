import { DomainError, type FieldErrors } from '../common/errors/domain-error.js';

/** What an Access-Request carries for the service: the subscriber and the PAP secret, if any. */
export interface AccessRequest {
  userName: string;
  /** User-Password (the subscriber's password or one of its keys); absent for CHAP/EAP requests. */
  password: string | undefined;
  /** Calling-Station-Id (the subscriber's device): the per-source key of the credential rate limits. */
  callingStationId: string | undefined;
}

/** RADIUS string attributes hold at most 253 octets. */
const MAX_STRING = 253;

/**
 * rlm_rest's JSON body (`{"User-Name": {"type": "string", "value": ["jane"]}, ...}`), or the same
 * attributes as plain values (`{"User-Name": "jane"}`). Attribute names are case-insensitive, as in
 * RADIUS; attributes other than User-Name, User-Password and Calling-Station-Id are accepted and ignored.
 */
export function parseAccessRequest(body: unknown): AccessRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw DomainError.field('non_field_errors', 'Invalid data. Expected a JSON object keyed by RADIUS attribute names.');
  }
  const attributes = new Map(Object.entries(body).map(([name, value]) => [name.toLowerCase(), value]));
  const errors: FieldErrors = {};
  const read = (name: 'User-Name' | 'User-Password' | 'Calling-Station-Id'): string | undefined => {
    const value = unwrap(attributes.get(name.toLowerCase()));
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      errors[name] = ['Must be a string, or rlm_rest\'s {"type", "value": [...]} form with one value.'];
      return undefined;
    }
    if (value.length > MAX_STRING) {
      errors[name] = [`Ensure this field has no more than ${MAX_STRING} characters.`];
      return undefined;
    }
    return value;
  };
  const userName = read('User-Name');
  const password = read('User-Password');
  const callingStationId = read('Calling-Station-Id') || undefined;
  if ((userName === undefined || userName === '') && !errors['User-Name']) errors['User-Name'] = ['This field is required.'];
  if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
  return { userName: userName!, password, callingStationId };
}

/** The one value of a typed (`{"value": [v]}`), listed (`[v]`) or plain attribute; `null` for any other shape. */
function unwrap(raw: unknown): string | undefined | null {
  let value = raw;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'value' in value) value = value.value;
  if (Array.isArray(value)) value = value.length === 1 ? value[0] : null;
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : null;
}
