import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { DomainError, type FieldErrors } from '../common/errors/domain-error.js';

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

/** Acct-Terminate-Cause values (RFC 2866 §5.10). */
export const TERMINATE_CAUSES = [
  'User-Request', 'Lost-Carrier', 'Lost-Service', 'Idle-Timeout', 'Session-Timeout', 'Admin-Reset',
  'Admin-Reboot', 'Port-Error', 'NAS-Error', 'NAS-Request', 'NAS-Reboot', 'Port-Unneeded',
  'Port-Preempted', 'Port-Suspended', 'Service-Unavailable', 'Callback', 'User-Error', 'Host-Request',
] as const;

/** A parsed accounting request, whatever form (plain JSON or rlm_rest's typed JSON) it came in. */
export interface AccountingRecord {
  statusType: AcctStatusType;
  userName: string;
  acctSessionId: string;
  nasIdentifier: string;
  nasIpAddress: string | null;
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
  delayTime: number | null;
}

const MAX_STRING = 253;
const UINT32_MAX = 4294967295;
/** Most Gigawords whose counter (Octets + Gigawords × 2^32) still fits PostgreSQL's bigint (2^63 − 1). */
export const GIGAWORDS_MAX = 2147483647;

/** The attributes we read, by their RADIUS names. Other attributes a NAS sends are accepted and ignored. */
export const ACCOUNTING_ATTRIBUTES = [
  'Acct-Status-Type', 'User-Name', 'Acct-Session-Id', 'NAS-Identifier', 'NAS-IP-Address', 'NAS-Port-Id',
  'Calling-Station-Id', 'Called-Station-Id', 'Framed-IP-Address', 'Acct-Session-Time', 'Acct-Input-Octets',
  'Acct-Output-Octets', 'Acct-Input-Gigawords', 'Acct-Output-Gigawords', 'Acct-Terminate-Cause',
  'Event-Timestamp', 'Acct-Delay-Time',
] as const;
type AttributeName = (typeof ACCOUNTING_ATTRIBUTES)[number];

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

class AttributeReader {
  readonly errors: FieldErrors = {};
  private readonly values = new Map<string, unknown>();

  constructor(body: Record<string, unknown>) {
    // RADIUS attribute names are case-insensitive.
    for (const [key, value] of Object.entries(body)) this.values.set(key.toLowerCase(), value);
  }

  private fail(name: AttributeName, message: string): undefined {
    this.errors[name] = [message];
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

  ip(name: AttributeName): string | null {
    const value = this.string(name);
    if (value === undefined || value === '') return null;
    if (isIP(value) === 0) {
      this.fail(name, 'Enter a valid IPv4 or IPv6 address.');
      return null;
    }
    return value;
  }

  timestamp(name: AttributeName): Date | null {
    const value = this.scalar(name);
    if (value === undefined) return null;
    const text = String(value).trim();
    const date = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(Date.parse(text));
    if (Number.isNaN(date.getTime()) || date.getTime() <= 0) {
      this.fail(name, 'Must be a Unix time in seconds or a date string.');
      return null;
    }
    return date;
  }

  enumerated<T extends string>(name: AttributeName, table: Record<string, T>): T | null {
    const value = this.scalar(name);
    if (value === undefined) return null;
    const found = table[String(value).trim().toLowerCase()];
    if (!found) this.fail(name, `"${String(value)}" is not a valid choice.`);
    return found ?? null;
  }
}

const TERMINATE_CAUSE_TABLE: Record<string, string> = Object.fromEntries(
  TERMINATE_CAUSES.flatMap((cause, index) => [[cause.toLowerCase(), cause], [String(index + 1), cause]]),
);

/** Octets + Gigawords × 2^32 (RFC 2869 §5.1), exact as a decimal string. */
export function combineOctets(octets: number | null, gigawords: number | null): string | null {
  if (octets === null && gigawords === null) return null;
  return (BigInt(octets ?? 0) + (BigInt(gigawords ?? 0) << 32n)).toString();
}

/** Validates an accounting request body; throws a 400 naming every bad attribute. */
export function parseAccountingRequest(body: unknown): AccountingRecord {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw DomainError.field('non_field_errors', 'Invalid data. Expected a JSON object keyed by RADIUS attribute names.');
  }
  const read = new AttributeReader(body as Record<string, unknown>);
  const statusType = read.enumerated('Acct-Status-Type', STATUS_TYPES);
  if (statusType === null && !read.errors['Acct-Status-Type']) read.errors['Acct-Status-Type'] = ['This field is required.'];
  const perSession = statusType !== AcctStatusType.AccountingOn && statusType !== AcctStatusType.AccountingOff;
  const record: AccountingRecord = {
    statusType: statusType ?? AcctStatusType.Start,
    userName: perSession ? read.required('User-Name') : (read.string('User-Name') ?? ''),
    acctSessionId: perSession ? read.required('Acct-Session-Id') : (read.string('Acct-Session-Id') ?? ''),
    nasIdentifier: read.string('NAS-Identifier') ?? '',
    nasIpAddress: read.ip('NAS-IP-Address'),
    nasPortId: read.string('NAS-Port-Id') ?? '',
    callingStationId: read.string('Calling-Station-Id') ?? '',
    calledStationId: read.string('Called-Station-Id') ?? '',
    framedIpAddress: read.ip('Framed-IP-Address'),
    sessionTime: read.integer('Acct-Session-Time'),
    inputOctets: combineOctets(read.integer('Acct-Input-Octets'), read.integer('Acct-Input-Gigawords', GIGAWORDS_MAX)),
    outputOctets: combineOctets(read.integer('Acct-Output-Octets'), read.integer('Acct-Output-Gigawords', GIGAWORDS_MAX)),
    terminateCause: read.enumerated('Acct-Terminate-Cause', TERMINATE_CAUSE_TABLE),
    eventTimestamp: read.timestamp('Event-Timestamp'),
    delayTime: read.integer('Acct-Delay-Time'),
  };
  if (!record.nasIdentifier && !record.nasIpAddress && !read.errors['NAS-IP-Address'] && !read.errors['NAS-Identifier']) {
    read.errors['NAS-Identifier'] = ['NAS-Identifier or NAS-IP-Address is required.'];
  }
  if (Object.keys(read.errors).length > 0) throw DomainError.validation(read.errors);
  return record;
}

/**
 * FreeRADIUS's Acct-Unique-Session-Id: an md5 over the user, the Acct-Session-Id and the NAS's
 * identity, because Acct-Session-Id alone repeats after a NAS reboot or across NASes.
 */
export function acctUniqueId(record: Pick<AccountingRecord, 'userName' | 'acctSessionId' | 'nasIpAddress' | 'nasIdentifier' | 'nasPortId'>): string {
  const parts = [record.userName, record.acctSessionId, record.nasIpAddress ?? '', record.nasIdentifier, record.nasPortId];
  return createHash('md5').update(parts.join(','), 'utf8').digest('hex');
}

/**
 * When the event happened: Event-Timestamp if sent, else now − Acct-Delay-Time; never in the future
 * and never more than `maxAgeSeconds` in the past (a NAS with a wrong clock cannot rewrite history).
 */
export function eventTime(record: Pick<AccountingRecord, 'eventTimestamp' | 'delayTime'>, now: Date, maxAgeSeconds: number): Date {
  const claimed = record.eventTimestamp?.getTime() ?? now.getTime() - (record.delayTime ?? 0) * 1000;
  const earliest = now.getTime() - maxAgeSeconds * 1000;
  return new Date(Math.min(now.getTime(), Math.max(earliest, claimed)));
}
