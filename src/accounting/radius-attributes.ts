import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { DomainError, type FieldErrors } from '../common/errors/domain-error.js';
import { readEventTimestamp } from './event-timestamp.js';

/** Acct-Status-Type (RFC 2866 §5.1; 7/8 from RFC 2866 too). FreeRADIUS also calls Interim-Update "Alive". */
export enum AcctStatusType {
  Start = 'Start',
  Stop = 'Stop',
  InterimUpdate = 'Interim-Update',
  AccountingOn = 'Accounting-On',
  AccountingOff = 'Accounting-Off',
}

const STATUS_TYPES: Record<string, AcctStatusType> = {
  '1': AcctStatusType.Start,
  '2': AcctStatusType.Stop,
  '3': AcctStatusType.InterimUpdate,
  '7': AcctStatusType.AccountingOn,
  '8': AcctStatusType.AccountingOff,
  start: AcctStatusType.Start,
  stop: AcctStatusType.Stop,
  'interim-update': AcctStatusType.InterimUpdate,
  alive: AcctStatusType.InterimUpdate,
  'accounting-on': AcctStatusType.AccountingOn,
  'accounting-off': AcctStatusType.AccountingOff,
};

/**
 * Acct-Terminate-Cause values by number, as FreeRADIUS's dictionaries name them: 1–18 from RFC 2866
 * §5.10 (dictionary.rfc2866), 19–22 from RFC 3580 §3.32 (dictionary.rfc3580). Any other number is
 * stored as the number, so a Stop is never lost over a cause we do not know.
 */
export const TERMINATE_CAUSES = [
  'User-Request', 'Lost-Carrier', 'Lost-Service', 'Idle-Timeout', 'Session-Timeout', 'Admin-Reset',
  'Admin-Reboot', 'Port-Error', 'NAS-Error', 'NAS-Request', 'NAS-Reboot', 'Port-Unneeded',
  'Port-Preempted', 'Port-Suspended', 'Service-Unavailable', 'Callback', 'User-Error', 'Host-Request',
  'Supplicant-Restart', 'Reauthentication-Failure', 'Port-Reinit', 'Port-Disabled',
] as const;

/** IANA's spellings of 21 and 22 ("Port Reinitialized", "Port Administratively Disabled"). */
const TERMINATE_CAUSE_ALIASES: Record<string, string> = {
  'port-reinitialized': 'Port-Reinit',
  'port-administratively-disabled': 'Port-Disabled',
};

/** A parsed accounting request, whatever form (plain JSON or rlm_rest's typed JSON) it came in. */
export interface AccountingRecord {
  statusType: AcctStatusType;
  userName: string;
  acctSessionId: string;
  nasIdentifier: string;
  nasIpAddress: string | null;
  nasIpv6Address: string | null;
  /** NAS-Port as FreeRADIUS prints it (decimal), '' when absent. */
  nasPort: string;
  nasPortId: string;
  callingStationId: string;
  calledStationId: string;
  framedIpAddress: string | null;
  sessionTime: number | null;
  /** Octets + Gigawords × 2^32, as decimal strings (they may exceed 2^53). */
  inputOctets: string | null;
  outputOctets: string | null;
  terminateCause: string | null;
  eventTimestamp: Date | null;
  /** Why a date-form Event-Timestamp could not be read as one instant (then arrival − Acct-Delay-Time is used). */
  eventTimestampUnreadable: string | null;
  delayTime: number | null;
  /** Class as a string (octets decoded), for FreeRADIUS's `ai:` rule of acct_unique. */
  classValue: string | null;
  /** Acct-Unique-Session-Id when the request carries it (FreeRADIUS computed it: rlm_rest sends it). */
  acctUniqueSessionId: string | null;
  /** Informational attributes that did not parse: ignored, never a reason to refuse the record. */
  ignoredAttributes: string[];
}

const MAX_STRING = 253;
const UINT32_MAX = 4294967295;
/** Most Gigawords whose counter (Octets + Gigawords × 2^32) still fits PostgreSQL's bigint (2^63 − 1). */
export const GIGAWORDS_MAX = 2147483647;

/**
 * The attributes we read, by their RADIUS names. Other attributes a NAS sends are accepted and ignored.
 * The first ones identify and time a session: an invalid value refuses the record (400, quarantined).
 */
export const IDENTIFYING_ATTRIBUTES = [
  'Acct-Status-Type', 'User-Name', 'Acct-Session-Id', 'NAS-Identifier', 'NAS-IP-Address', 'NAS-IPv6-Address',
  'NAS-Port', 'Acct-Unique-Session-Id', 'Acct-Session-Time', 'Event-Timestamp', 'Acct-Delay-Time',
] as const;
/** Informational attributes: one that does not parse is ignored (and counted), and the record is kept. */
export const INFORMATIONAL_ATTRIBUTES = [
  'NAS-Port-Id', 'Calling-Station-Id', 'Called-Station-Id', 'Framed-IP-Address', 'Acct-Input-Octets',
  'Acct-Output-Octets', 'Acct-Input-Gigawords', 'Acct-Output-Gigawords', 'Acct-Terminate-Cause', 'Class',
] as const;
export const ACCOUNTING_ATTRIBUTES = [...IDENTIFYING_ATTRIBUTES, ...INFORMATIONAL_ATTRIBUTES] as const;
type AttributeName = (typeof ACCOUNTING_ATTRIBUTES)[number];
const INFORMATIONAL = new Set<string>(INFORMATIONAL_ATTRIBUTES);

/**
 * rlm_rest sends `{"User-Name": {"type": "string", "value": ["bob"]}}`; others send `"bob"` or `["bob"]`.
 * Returns the scalar, `undefined` when absent, or `null` for a shape we cannot read.
 */
function unwrap(raw: unknown): string | number | undefined | null {
  let value = raw;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'value' in value) {
    value = (value as { value: unknown }).value;
  }
  if (Array.isArray(value)) value = value.length === 1 ? value[0] : null;
  if (value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number') return value;
  return null;
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (text.charCodeAt(i) < 0x20) return true;
  return false;
}

/** FreeRADIUS prints an IPv6 address compressed (inet_ntop); so does the WHATWG URL parser. */
function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

class AttributeReader {
  readonly errors: FieldErrors = {};
  readonly ignored: string[] = [];
  private readonly values = new Map<string, unknown>();

  constructor(body: Record<string, unknown>) {
    // RADIUS attribute names are case-insensitive.
    for (const [key, value] of Object.entries(body)) this.values.set(key.toLowerCase(), value);
  }

  /** An identifying attribute refuses the record; an informational one is only noted as ignored. */
  private fail(name: AttributeName, message: string): undefined {
    if (INFORMATIONAL.has(name)) {
      if (!this.ignored.includes(name)) this.ignored.push(name);
    } else {
      this.errors[name] = [message];
    }
    return undefined;
  }

  private scalar(name: AttributeName): string | number | undefined {
    const value = unwrap(this.values.get(name.toLowerCase()));
    if (value === null) return this.fail(name, 'Must be a string or a number, or rlm_rest\'s {"type", "value": [...]} form.');
    return value;
  }

  string(name: AttributeName): string | undefined {
    const value = this.scalar(name);
    if (value === undefined) return undefined;
    const text = String(value);
    if (text.length > MAX_STRING) return this.fail(name, `Ensure this field has no more than ${MAX_STRING} characters.`);
    if (hasControlCharacter(text)) return this.fail(name, 'Must not contain control characters.');
    return text;
  }

  required(name: AttributeName): string {
    const value = this.string(name);
    if (value === undefined || value === '') {
      if (!this.errors[name]) this.fail(name, 'This field is required.');
      return '';
    }
    return value;
  }

  integer(name: AttributeName, max = UINT32_MAX): number | null {
    const value = this.scalar(name);
    if (value === undefined) return null;
    const text = String(value).trim();
    if (!/^\d+$/.test(text) || Number(text) > max) {
      this.fail(name, `A valid integer from 0 to ${max} is required.`);
      return null;
    }
    return Number(text);
  }

  ip(name: AttributeName, version?: 6): string | null {
    const value = this.string(name);
    if (value === undefined || value === '') return null;
    const found = isIP(value);
    if (found === 0 || (version !== undefined && found !== version)) {
      this.fail(name, version ? 'Enter a valid IPv6 address.' : 'Enter a valid IPv4 or IPv6 address.');
      return null;
    }
    return found === 6 && version === 6 ? canonicalIpv6(value) : value;
  }

  /** Event-Timestamp: an instant, or `unreadable` when its zone does not name one offset. */
  timestamp(name: AttributeName): { at: Date | null; unreadable: string | null } {
    const value = this.scalar(name);
    if (value === undefined) return { at: null, unreadable: null };
    const reading = readEventTimestamp(value);
    switch (reading.kind) {
      case 'time':
        return { at: reading.at, unreadable: null };
      case 'ambiguous':
        return { at: null, unreadable: `${String(value)}: ${reading.reason}` };
      case 'invalid':
        this.fail(name, 'Must be a Unix time in seconds, a FreeRADIUS date ("Dec  1 2026 08:43:46 CET") or an ISO 8601 time with an offset.');
        return { at: null, unreadable: null };
    }
  }

  enumerated<T extends string>(name: AttributeName, table: Record<string, T>): T | null {
    const value = this.scalar(name);
    if (value === undefined) return null;
    const found = table[String(value).trim().toLowerCase()];
    if (!found) this.fail(name, `"${String(value)}" is not a valid choice.`);
    return found ?? null;
  }

  /** Acct-Terminate-Cause: its name when known (by name or number), else the number, or a name from another dictionary. */
  terminateCause(): string | null {
    const text = this.string('Acct-Terminate-Cause')?.trim();
    if (!text) return null;
    const known = TERMINATE_CAUSE_TABLE[text.toLowerCase()];
    if (known) return known;
    if (/^\d+$/.test(text) && Number(text) <= UINT32_MAX) return String(Number(text));
    if (/^[A-Za-z][A-Za-z0-9_.-]*$/.test(text)) return text;
    this.fail('Acct-Terminate-Cause', 'Must be a cause name or number.');
    return null;
  }

  /** Class: octets, sent by rlm_rest as `0x…` hex; read as the string FreeRADIUS's `%{string:&Class}` gives. */
  octetsAsString(name: AttributeName): string | null {
    const value = this.scalar(name);
    if (value === undefined) return null;
    const text = String(value);
    if (/^0x([0-9a-f]{2})*$/i.test(text)) return Buffer.from(text.slice(2), 'hex').toString('latin1');
    return text;
  }
}

const TERMINATE_CAUSE_TABLE: Record<string, string> = Object.fromEntries([
  ...TERMINATE_CAUSES.flatMap((cause, index) => [[cause.toLowerCase(), cause], [String(index + 1), cause]]),
  ...Object.entries(TERMINATE_CAUSE_ALIASES),
]);

/** Octets + Gigawords × 2^32 (RFC 2869 §5.1), exact as a decimal string. */
export function combineOctets(octets: number | null, gigawords: number | null): string | null {
  if (octets === null && gigawords === null) return null;
  return (BigInt(octets ?? 0) + (BigInt(gigawords ?? 0) << 32n)).toString();
}

/**
 * Validates an accounting request body; throws a 400 naming every bad identifying attribute.
 * Informational attributes that do not parse are left out and listed in `ignoredAttributes`.
 */
export function parseAccountingRequest(body: unknown): AccountingRecord {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw DomainError.field('non_field_errors', 'Invalid data. Expected a JSON object keyed by RADIUS attribute names.');
  }
  const read = new AttributeReader(body as Record<string, unknown>);
  const statusType = read.enumerated('Acct-Status-Type', STATUS_TYPES);
  if (statusType === null && !read.errors['Acct-Status-Type']) read.errors['Acct-Status-Type'] = ['This field is required.'];
  const perSession = statusType !== AcctStatusType.AccountingOn && statusType !== AcctStatusType.AccountingOff;
  const nasPort = read.integer('NAS-Port');
  const eventTimestamp = read.timestamp('Event-Timestamp');
  const record: AccountingRecord = {
    statusType: statusType ?? AcctStatusType.Start,
    userName: perSession ? read.required('User-Name') : (read.string('User-Name') ?? ''),
    acctSessionId: perSession ? read.required('Acct-Session-Id') : (read.string('Acct-Session-Id') ?? ''),
    nasIdentifier: read.string('NAS-Identifier') ?? '',
    nasIpAddress: read.ip('NAS-IP-Address'),
    nasIpv6Address: read.ip('NAS-IPv6-Address', 6),
    nasPort: nasPort === null ? '' : String(nasPort),
    nasPortId: read.string('NAS-Port-Id') ?? '',
    callingStationId: read.string('Calling-Station-Id') ?? '',
    calledStationId: read.string('Called-Station-Id') ?? '',
    framedIpAddress: read.ip('Framed-IP-Address'),
    sessionTime: read.integer('Acct-Session-Time'),
    inputOctets: combineOctets(read.integer('Acct-Input-Octets'), read.integer('Acct-Input-Gigawords', GIGAWORDS_MAX)),
    outputOctets: combineOctets(read.integer('Acct-Output-Octets'), read.integer('Acct-Output-Gigawords', GIGAWORDS_MAX)),
    terminateCause: read.terminateCause(),
    eventTimestamp: eventTimestamp.at,
    eventTimestampUnreadable: eventTimestamp.unreadable,
    delayTime: read.integer('Acct-Delay-Time'),
    classValue: read.octetsAsString('Class'),
    acctUniqueSessionId: read.string('Acct-Unique-Session-Id') || null,
    ignoredAttributes: read.ignored,
  };
  // Octets and Gigawords are one counter: if either half is unreadable, the counter is unknown.
  if (read.ignored.some((name) => name.startsWith('Acct-Input-'))) record.inputOctets = null;
  if (read.ignored.some((name) => name.startsWith('Acct-Output-'))) record.outputOctets = null;
  if (!record.nasIdentifier && !record.nasIpAddress && !record.nasIpv6Address && !read.errors['NAS-IP-Address'] && !read.errors['NAS-Identifier']) {
    read.errors['NAS-Identifier'] = ['NAS-Identifier or NAS-IP-Address is required.'];
  }
  if (Object.keys(read.errors).length > 0) throw DomainError.validation(read.errors);
  return record;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** FreeRADIUS's `class_value_prefix`: a Class it inserted itself (insert_acct_class) starts with it. */
const CLASS_VALUE_PREFIX = 'ai:';

/**
 * The session's Acct-Unique-Session-Id. The one the request carries when FreeRADIUS already computed
 * it (rlm_rest sends it); else what FreeRADIUS 3.2's default `acct_unique` policy
 * (policy.d/accounting) computes, lowercase hex:
 * - Class `ai:<32 hex>` (its own insert_acct_class): md5("<hex>,<Acct-Session-Id>");
 * - otherwise md5 of User-Name, Acct-Session-Id, NAS-IPv6-Address or else NAS-IP-Address,
 *   NAS-Identifier, NAS-Port-Id and NAS-Port, comma-separated, a missing attribute printing as ''.
 * A carried value that is not 32 hex digits (a custom policy) is hashed to fit.
 */
export function acctUniqueId(
  record: Pick<AccountingRecord, 'userName' | 'acctSessionId' | 'nasIpAddress' | 'nasIdentifier' | 'nasPortId'> &
    Partial<Pick<AccountingRecord, 'nasIpv6Address' | 'nasPort' | 'classValue' | 'acctUniqueSessionId'>>,
): string {
  if (record.acctUniqueSessionId) {
    return /^[0-9a-f]{32}$/i.test(record.acctUniqueSessionId) ? record.acctUniqueSessionId.toLowerCase() : md5(record.acctUniqueSessionId);
  }
  const fromClass = record.classValue?.startsWith(CLASS_VALUE_PREFIX) ? /^ai:([0-9a-f]{32})/i.exec(record.classValue) : null;
  if (fromClass) return md5(`${fromClass[1]!},${record.acctSessionId}`);
  const nasAddress = record.nasIpv6Address ?? record.nasIpAddress ?? '';
  return md5([record.userName, record.acctSessionId, nasAddress, record.nasIdentifier, record.nasPortId, record.nasPort ?? ''].join(','));
}

/**
 * The id this service gave sessions before it followed FreeRADIUS exactly (no NAS-Port, no IPv6,
 * no Class): sessions opened then are still found by it, so their Interim-Updates and Stops match.
 */
export function legacyAcctUniqueId(record: Pick<AccountingRecord, 'userName' | 'acctSessionId' | 'nasIpAddress' | 'nasIdentifier' | 'nasPortId'>): string {
  return md5([record.userName, record.acctSessionId, record.nasIpAddress ?? '', record.nasIdentifier, record.nasPortId].join(','));
}

/**
 * When the event happened: Event-Timestamp if sent and readable, else now − Acct-Delay-Time; never in
 * the future and never more than `maxAgeSeconds` in the past (a NAS with a wrong clock cannot rewrite history).
 */
export function eventTime(record: Pick<AccountingRecord, 'eventTimestamp' | 'delayTime'>, now: Date, maxAgeSeconds: number): Date {
  const claimed = record.eventTimestamp?.getTime() ?? now.getTime() - (record.delayTime ?? 0) * 1000;
  const earliest = now.getTime() - maxAgeSeconds * 1000;
  return new Date(Math.min(now.getTime(), Math.max(earliest, claimed)));
}
