import type { SchemaObject } from '@nestjs/swagger';
import { GIGAWORDS_MAX } from '../radius-attributes.js';

/**
 * The body of POST /api/v1/accounting/ as JSON Schema (OpenAPI 3.0): one object keyed by RADIUS
 * attribute names, in one of two forms. `AccountingRequestDto` is their `oneOf`:
 * - `AccountingRequestPlain`: each value plain (`"User-Name": "jane"`, `"Acct-Status-Type": "Start"` or `1`);
 * - `AccountingRequestRlmRest`: FreeRADIUS rlm_rest's typed form, each value
 *   `{"type": "<FreeRADIUS type>", "value": [<one plain value>]}`.
 * Attributes the service does not read are accepted and ignored (additionalProperties).
 * What the service accepts is decided by parseAccountingRequest (radius-attributes.ts); this describes it.
 */

const UINT32_MAX = 4294967295;
const STATUS_TYPE_NAMES = ['Start', 'Interim-Update', 'Stop', 'Accounting-On', 'Accounting-Off', 'Alive'];
const STATUS_TYPE_NUMBERS = [1, 3, 2, 7, 8];

const text = (description?: string, example?: string): SchemaObject => ({
  type: 'string',
  maxLength: 253,
  ...(description ? { description } : {}),
  ...(example ? { example } : {}),
});
const counter = (description: string, maximum = UINT32_MAX): SchemaObject => ({ type: 'integer', minimum: 0, maximum, description });
const ipAddress = (description: string, example: string): SchemaObject => ({ type: 'string', maxLength: 253, description, example });

/** Each attribute the service reads, with its plain value's schema. */
const ATTRIBUTES: Record<string, SchemaObject> = {
  'Acct-Status-Type': {
    description: 'The record type: its name (any case; `Alive` is Interim-Update) or its RFC 2866 number (1 Start, 2 Stop, 3 Interim-Update, 7 Accounting-On, 8 Accounting-Off).',
    oneOf: [
      { type: 'string', enum: STATUS_TYPE_NAMES },
      { type: 'integer', enum: STATUS_TYPE_NUMBERS },
    ],
  },
  'User-Name': text('Required except for Accounting-On/Off.', 'jane_smith'),
  'Acct-Session-Id': text('Required except for Accounting-On/Off.', '5f2a0001'),
  'NAS-Identifier': text('NAS-Identifier or NAS-IP-Address is required.', 'hotspot-lobby'),
  'NAS-IP-Address': ipAddress('An IPv4 or IPv6 address. NAS-Identifier or NAS-IP-Address is required.', '192.0.2.10'),
  'NAS-IPv6-Address': ipAddress("Part of the session's identity (used instead of NAS-IP-Address when sent).", '2001:db8::1'),
  'NAS-Port': counter("Part of the session's identity."),
  'NAS-Port-Id': text(undefined, 'wlan0'),
  'Acct-Unique-Session-Id': text("FreeRADIUS's session id (rlm_rest sends it once acct_unique ran): the session's identity when present.", '0a4f5c7e9b1d2f3a4c5e6f708192a3b4'),
  'Class': text("Octets (rlm_rest: `0x…` hex). FreeRADIUS's own `ai:<md5>` Class identifies the session, as its acct_unique policy does."),
  'Calling-Station-Id': text("The client's MAC address.", '00-11-22-33-44-55'),
  'Called-Station-Id': text(undefined, '66-77-88-99-AA-BB:hotspot'),
  'Framed-IP-Address': ipAddress("The client's IPv4 or IPv6 address.", '10.1.2.3'),
  'Acct-Session-Time': counter('Seconds so far (Interim-Update) or in total (Stop).'),
  'Acct-Input-Octets': counter('Octets received from the client, modulo 2^32.'),
  'Acct-Output-Octets': counter('Octets sent to the client, modulo 2^32.'),
  'Acct-Input-Gigawords': counter('Times Acct-Input-Octets wrapped past 2^32 (at most 2^31 − 1: the 64-bit counter is stored as a signed bigint).', GIGAWORDS_MAX),
  'Acct-Output-Gigawords': counter('Times Acct-Output-Octets wrapped past 2^32 (at most 2^31 − 1).', GIGAWORDS_MAX),
  'Acct-Terminate-Cause': {
    description:
      'Why the session ended (Stop): a name or number. Any cause is stored: its name when known (RFC 2866 1 User-Request … ' +
      '18 Host-Request, RFC 3580 19 Supplicant-Restart … 22 Port-Administratively-Disabled), else the number. ' +
      'A value that cannot be read is ignored (the Stop is kept).',
    oneOf: [
      { type: 'string', maxLength: 253, example: 'Supplicant-Restart' },
      { type: 'integer', minimum: 0, maximum: UINT32_MAX },
    ],
  },
  'Event-Timestamp': {
    description:
      'When the event happened: Unix time in seconds, or a date string as rlm_rest prints one: the FreeRADIUS host\'s local ' +
      'time with its zone abbreviation ("Dec  1 2026 08:43:46 CET", "… +03"), ISO 8601 with an offset, or an HTTP date. ' +
      'An abbreviation that names no single offset (CST, IST, …) falls back to arrival time minus Acct-Delay-Time. ' +
      'Never later than the server clock, and at most ACCOUNTING_MAX_EVENT_AGE_SECONDS earlier.',
    oneOf: [
      { type: 'integer', minimum: 1, example: 1795575600 },
      { type: 'string', example: 'Dec  1 2026 08:43:46 CET' },
    ],
  },
  'Acct-Delay-Time': counter('Seconds the NAS has been trying to send this record; used when Event-Timestamp is absent.'),
};

/** rlm_rest's `{"type", "value": [...]}` wrapper around one plain value. */
function rlmRestValue(plain: SchemaObject): SchemaObject {
  return {
    type: 'object',
    required: ['type', 'value'],
    properties: {
      type: { type: 'string', description: "The attribute's FreeRADIUS data type (`string`, `integer`, `date`, `ipaddr`, …); not read.", example: 'string' },
      value: { type: 'array', minItems: 1, maxItems: 1, items: plain, description: 'Exactly one value.' },
    },
  };
}

export const ACCOUNTING_REQUEST_SCHEMAS: Record<string, SchemaObject> = {
  AccountingRequestPlain: {
    type: 'object',
    description: 'An accounting request with plain attribute values. Attributes not listed are accepted and ignored.',
    required: ['Acct-Status-Type'],
    properties: ATTRIBUTES,
    additionalProperties: true,
  },
  AccountingRequestRlmRest: {
    type: 'object',
    description:
      'An accounting request as FreeRADIUS rlm_rest sends it (`body = json`): every attribute is ' +
      '`{"type": "<FreeRADIUS type>", "value": [<value>]}`. Attributes not listed are accepted and ignored.',
    required: ['Acct-Status-Type'],
    properties: Object.fromEntries(Object.entries(ATTRIBUTES).map(([name, plain]) => [name, rlmRestValue(plain)])),
    additionalProperties: true,
  },
  AccountingRequestDto: {
    description: 'One accounting request, keyed by RADIUS attribute names: plain values, or rlm_rest\'s typed form.',
    oneOf: [{ $ref: '#/components/schemas/AccountingRequestPlain' }, { $ref: '#/components/schemas/AccountingRequestRlmRest' }],
  },
};

/** The body examples of POST /api/v1/accounting/ (each validates against AccountingRequestDto, and the service takes it). */
export const ACCOUNTING_REQUEST_EXAMPLES = {
  start: {
    summary: 'Start (plain JSON, Unix Event-Timestamp)',
    value: {
      'Acct-Status-Type': 'Start',
      'User-Name': 'jane_smith',
      'Acct-Session-Id': '5f2a0001',
      'NAS-Identifier': 'hotspot-lobby',
      'NAS-IP-Address': '192.0.2.10',
      'Calling-Station-Id': '00-11-22-33-44-55',
      'Framed-IP-Address': '10.1.2.3',
      'Event-Timestamp': 1795575600,
    },
  },
  interim: {
    summary: 'Interim-Update (plain JSON, numeric Acct-Status-Type)',
    value: {
      'Acct-Status-Type': 3,
      'User-Name': 'jane_smith',
      'Acct-Session-Id': '5f2a0001',
      'NAS-Identifier': 'hotspot-lobby',
      'NAS-IP-Address': '192.0.2.10',
      'Acct-Session-Time': 300,
      'Acct-Input-Octets': 1048576,
      'Acct-Output-Octets': 52428800,
      'Acct-Output-Gigawords': 0,
    },
  },
  stop: {
    summary: 'Stop (rlm_rest typed JSON)',
    value: {
      'Acct-Status-Type': { type: 'integer', value: ['Stop'] },
      'User-Name': { type: 'string', value: ['jane_smith'] },
      'Acct-Session-Id': { type: 'string', value: ['5f2a0001'] },
      'NAS-Identifier': { type: 'string', value: ['hotspot-lobby'] },
      'NAS-IP-Address': { type: 'ipaddr', value: ['192.0.2.10'] },
      'Acct-Session-Time': { type: 'integer', value: [1830] },
      'Acct-Terminate-Cause': { type: 'integer', value: ['User-Request'] },
      'Event-Timestamp': { type: 'date', value: ['Dec  1 2026 08:43:46 UTC'] },
    },
  },
  accountingOn: {
    summary: 'Accounting-On (the NAS rebooted; numeric status type)',
    value: { 'Acct-Status-Type': 7, 'NAS-Identifier': 'hotspot-lobby', 'NAS-IP-Address': '192.0.2.10' },
  },
};
