import type { FieldErrors } from '../common/errors/domain-error.js';
import type { FieldRule } from '../common/validation/field-rule.js';
import { NAS_ADDRESS_MESSAGE, parseNasNetwork } from './nas-address.js';

/** The NAS client fields' rules, shared by /api/v1/nas/ and the nas:* CLI commands. */
export const NAS_NAME_MAX_LENGTH = 64;
export const NAS_SECRET_MAX_LENGTH = 128;
/** RFC 6614 / FreeRADIUS advice: a shared secret of at least 16 characters (`nas:add` generates 32). */
export const NAS_SECRET_MIN_LENGTH = 16;
/** As aaa_profiles.organization (varchar(128)). */
export const NAS_ORGANIZATION_MAX_LENGTH = 128;
export const NAS_GATEWAY_NOT_FOUND = 'No active gateway account (role "gateway") with this id.';
export const NAS_GATEWAY_TAKEN = 'This gateway account is already linked to another NAS client.';
export const NAS_NAME_TAKEN = 'A NAS client with this name already exists.';
export const NAS_ADDRESS_TAKEN = 'A NAS client with this ip_address already exists.';

const NOT_A_STRING = 'Not a valid string.';
const BLANK = 'This field may not be blank.';
const tooLong = (max: number) => `Ensure this field has no more than ${max} characters.`;

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) < 0x20 || text.charCodeAt(i) === 0x7f) return true;
  return false;
}

function printable(max: number): FieldRule {
  return (value) => {
    if (typeof value !== 'string') return NOT_A_STRING;
    if (value.trim() === '') return BLANK;
    if (value.length > max) return tooLong(max);
    if (hasControlCharacter(value)) return 'Must not contain control characters.';
    return undefined;
  };
}

/** A label; sessions whose NAS sent no NAS-IP-Address are matched to the client whose name is their NAS-Identifier. */
export const nasNameRule: FieldRule = printable(NAS_NAME_MAX_LENGTH);

const printableSecret = printable(NAS_SECRET_MAX_LENGTH);
export const nasSecretRule: FieldRule = (value) =>
  printableSecret(value) ?? ((value as string).length < NAS_SECRET_MIN_LENGTH ? `Ensure this field has at least ${NAS_SECRET_MIN_LENGTH} characters.` : undefined);

export const nasAddressRule: FieldRule = (value) => {
  if (typeof value !== 'string') return NOT_A_STRING;
  if (value.trim() === '') return BLANK;
  const network = parseNasNetwork(value);
  if (!network) return NAS_ADDRESS_MESSAGE;
  return network.prefix === 0 ? 'A network of every address (prefix length 0) is not allowed: give the NAS\'s address or its network.' : undefined;
};

export const requireMessageAuthenticatorRule: FieldRule = (value) => (typeof value === 'boolean' ? undefined : 'Must be a valid boolean.');

export const coaEnabledRule: FieldRule = requireMessageAuthenticatorRule;

/** `gateway_user_id`: a user id, or null for no link (whether it is a gateway account is checked by the service). */
export const gatewayUserIdRule: FieldRule = (value) => {
  if (value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'A valid integer is required.';
  return value < 1 || value > 2147483647 ? 'Invalid pk - object does not exist.' : undefined;
};

/** An organization name (as aaa_profiles.organization, varchar(128)), or null for a shared NAS client. */
export const nasOrganizationRule: FieldRule = (value) => {
  if (value === null) return undefined;
  if (typeof value !== 'string') return 'Not a valid string.';
  return value.length > NAS_ORGANIZATION_MAX_LENGTH ? `Ensure this field has no more than ${NAS_ORGANIZATION_MAX_LENGTH} characters.` : undefined;
};

export const NAS_GATEWAY_OTHER_ORGANIZATION = "The gateway account is of another organization than the NAS client's.";

export const coaPortRule: FieldRule = (value) => {
  if (typeof value !== 'number' || !Number.isInteger(value)) return 'A valid integer is required.';
  if (value < 1) return 'Ensure this value is greater than or equal to 1.';
  if (value > 65535) return 'Ensure this value is less than or equal to 65535.';
  return undefined;
};

/** Applies the rules to the fields present (the CLI's path; the API's DTOs apply the same rules). */
export function checkNasFields(
  fields: Partial<Record<'name' | 'ip_address' | 'secret' | 'coa_port' | 'coa_enabled' | 'require_message_authenticator' | 'gateway_user_id' | 'organization', unknown>>,
): FieldErrors {
  const rules: Record<string, FieldRule> = {
    name: nasNameRule,
    ip_address: nasAddressRule,
    secret: nasSecretRule,
    coa_port: coaPortRule,
    coa_enabled: coaEnabledRule,
    require_message_authenticator: requireMessageAuthenticatorRule,
    gateway_user_id: gatewayUserIdRule,
    organization: nasOrganizationRule,
  };
  const errors: FieldErrors = {};
  for (const [field, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const message = rules[field]?.(value);
    if (message) errors[field] = [message];
  }
  return errors;
}
