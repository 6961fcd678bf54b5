import { DomainError } from '../common/errors/domain-error.js';
import { AcctStatusType, acctUniqueId, combineOctets, eventTime, legacyAcctUniqueId, parseAccountingRequest } from './radius-attributes.js';

const base = { 'User-Name': 'alice', 'Acct-Session-Id': 'S1', 'NAS-Identifier': 'nas-1' };

function fieldErrors(body: unknown): Record<string, string[]> {
  try {
    parseAccountingRequest(body);
  } catch (error) {
    if (error instanceof DomainError) return error.fieldErrors ?? {};
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('parseAccountingRequest', () => {
  it('reads plain JSON values, names and numbers alike', () => {
    const record = parseAccountingRequest({ ...base, 'Acct-Status-Type': 'Interim-Update', 'Acct-Session-Time': '120', 'NAS-IP-Address': '10.0.0.1' });
    expect(record.statusType).toBe(AcctStatusType.InterimUpdate);
    expect(record.sessionTime).toBe(120);
    expect(record.nasIpAddress).toBe('10.0.0.1');
    expect(parseAccountingRequest({ ...base, 'Acct-Status-Type': 2 }).statusType).toBe(AcctStatusType.Stop);
    expect(parseAccountingRequest({ ...base, 'acct-status-type': 'alive' }).statusType).toBe(AcctStatusType.InterimUpdate);
  });

  it("reads rlm_rest's typed JSON form", () => {
    const record = parseAccountingRequest({
      'Acct-Status-Type': { type: 'integer', value: ['Stop'] },
      'User-Name': { type: 'string', value: ['alice'] },
      'Acct-Session-Id': { type: 'string', value: ['S1'] },
      'NAS-IP-Address': { type: 'ipaddr', value: ['192.0.2.1'] },
      'Acct-Terminate-Cause': { type: 'integer', value: ['User-Request'] },
      'Event-Timestamp': { type: 'date', value: ['Nov 25 2026 03:00:00 UTC'] },
    });
    expect(record.statusType).toBe(AcctStatusType.Stop);
    expect(record.terminateCause).toBe('User-Request');
    expect(record.eventTimestamp?.toISOString()).toBe('2026-11-25T03:00:00.000Z');
  });

  it('combines octets with gigawords exactly', () => {
    expect(combineOctets(5, 2)).toBe(String(5 + 2 * 2 ** 32));
    expect(combineOctets(4294967295, 4294967295)).toBe('18446744073709551615');
    expect(combineOctets(null, null)).toBeNull();
  });

  it('accepts Gigawords only up to 2^31 − 1, so the counter fits a signed 64-bit column', () => {
    const interim = { ...base, 'Acct-Status-Type': 'Interim-Update' };
    expect(parseAccountingRequest({ ...interim, 'Acct-Input-Octets': 4294967295, 'Acct-Input-Gigawords': 2147483647 }).inputOctets).toBe('9223372036854775807');
    const tooMany = parseAccountingRequest({ ...interim, 'Acct-Input-Octets': 5, 'Acct-Input-Gigawords': 2147483648, 'Acct-Output-Octets': 7, 'Acct-Output-Gigawords': 4294967295 });
    expect(tooMany).toMatchObject({ inputOctets: null, outputOctets: null, ignoredAttributes: ['Acct-Input-Gigawords', 'Acct-Output-Gigawords'] });
  });

  it('names every bad attribute', () => {
    expect(fieldErrors({ 'Acct-Status-Type': 'Bogus' })).toMatchObject({ 'Acct-Status-Type': [expect.stringContaining('not a valid choice')] });
    expect(fieldErrors({ 'Acct-Status-Type': 'Start' })).toMatchObject({
      'User-Name': ['This field is required.'],
      'Acct-Session-Id': ['This field is required.'],
      'NAS-Identifier': ['NAS-Identifier or NAS-IP-Address is required.'],
    });
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'Acct-Session-Time': -1 })).toHaveProperty('Acct-Session-Time');
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'NAS-Port': 'eth0' })).toHaveProperty('NAS-Port');
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'Event-Timestamp': 'soon' })).toHaveProperty('Event-Timestamp');
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'User-Name': { nested: true } })).toHaveProperty('User-Name');
    expect(fieldErrors([])).toHaveProperty('non_field_errors');
  });

  it('needs only NAS identity for Accounting-On/Off', () => {
    expect(parseAccountingRequest({ 'Acct-Status-Type': 'Accounting-On', 'NAS-IP-Address': '192.0.2.1' }).statusType).toBe(AcctStatusType.AccountingOn);
  });
});

describe('informational attributes', () => {
  const stop = { ...base, 'Acct-Status-Type': 'Stop', 'Acct-Session-Time': 60 };

  it('stores every Acct-Terminate-Cause: its name when known, else the number', () => {
    const cause = (value: unknown) => parseAccountingRequest({ ...stop, 'Acct-Terminate-Cause': value }).terminateCause;
    expect(cause(1)).toBe('User-Request');
    expect(cause('18')).toBe('Host-Request');
    expect(cause(19)).toBe('Supplicant-Restart');
    expect(cause('Supplicant-Restart')).toBe('Supplicant-Restart');
    expect(cause(20)).toBe('Reauthentication-Failure');
    expect(cause(21)).toBe('Port-Reinit');
    expect(cause('Port-Reinitialized')).toBe('Port-Reinit');
    expect(cause(22)).toBe('Port-Disabled');
    expect(cause('port-administratively-disabled')).toBe('Port-Disabled');
    expect(cause(23)).toBe('23');
    expect(cause({ type: 'integer', value: ['29'] })).toBe('29');
    expect(cause('Vendor-Specific-Cause')).toBe('Vendor-Specific-Cause');
  });

  it('ignores one that does not parse and keeps the record, naming what it ignored', () => {
    const record = parseAccountingRequest({
      ...stop,
      'Acct-Terminate-Cause': '!!',
      'Framed-IP-Address': '999.1.1.1',
      'Calling-Station-Id': 'a\u0000b',
      'NAS-Port-Id': 'x'.repeat(300),
      'Acct-Input-Octets': -1,
      'Acct-Output-Octets': 'lots',
    });
    expect(record).toMatchObject({
      statusType: AcctStatusType.Stop, sessionTime: 60, terminateCause: null, framedIpAddress: null, callingStationId: '',
      nasPortId: '', inputOctets: null, outputOctets: null,
    });
    expect(record.ignoredAttributes.sort()).toEqual(
      ['Acct-Input-Octets', 'Acct-Output-Octets', 'Acct-Terminate-Cause', 'Calling-Station-Id', 'Framed-IP-Address', 'NAS-Port-Id'].sort(),
    );
  });

  it('falls back to arrival time for an Event-Timestamp in an ambiguous zone, saying why', () => {
    const record = parseAccountingRequest({ ...stop, 'Event-Timestamp': { type: 'date', value: ['Dec  1 2026 08:43:46 IST'] } });
    expect(record.eventTimestamp).toBeNull();
    expect(record.eventTimestampUnreadable).toBe('Dec  1 2026 08:43:46 IST: zone "IST" means more than one UTC offset');
    const cet = parseAccountingRequest({ ...stop, 'Event-Timestamp': { type: 'date', value: ['Dec  1 2026 08:43:46 CET'] } });
    expect(cet.eventTimestamp?.toISOString()).toBe('2026-12-01T07:43:46.000Z');
  });
});

describe('acctUniqueId equals FreeRADIUS 3.2 acct_unique', () => {
  // Vectors from `freeradius -X` 3.2.1 with the stock policy.d/accounting (acct_unique in preacct),
  // fed these attributes with radclient; the hash is the Acct-Unique-Session-Id it logged.
  const record = (fields: Record<string, unknown>) => parseAccountingRequest({ 'Acct-Status-Type': 'Start', ...fields });
  it('hashes user, session id, NAS address, NAS-Identifier, NAS-Port-Id and NAS-Port', () => {
    expect(acctUniqueId(record({
      'User-Name': 'jane', 'Acct-Session-Id': '5f2a0001', 'NAS-IP-Address': '192.0.2.10', 'NAS-Identifier': 'hotspot-lobby', 'NAS-Port-Id': 'wlan0', 'NAS-Port': 7,
    }))).toBe('5edac4f3e7decc71a8a9a218667d06de');
    expect(acctUniqueId(record({ 'User-Name': 'bob', 'Acct-Session-Id': 'abc', 'NAS-Identifier': 'gw1' }))).toBe('6abc9c897224aef490aaef6cbb342114');
    expect(acctUniqueId(record({ 'User-Name': 'kim', 'Acct-Session-Id': 'c2', 'NAS-IP-Address': '192.0.2.20', Class: 'other-class' }))).toBe('3c108053b4e26016491ce29d94ae8ec9');
  });
  it('prefers NAS-IPv6-Address to NAS-IP-Address', () => {
    expect(acctUniqueId(record({ 'User-Name': 'ana', 'Acct-Session-Id': 's1', 'NAS-IP-Address': '10.0.0.1', 'NAS-IPv6-Address': '2001:0db8::0001', 'NAS-Port': 0 })))
      .toBe('bef5f76c05609147f3d8002c592a5e21');
  });
  it("uses its own Class (ai:<md5>) with the Acct-Session-Id, as sent on the wire or by rlm_rest in hex", () => {
    const classText = 'ai:0123456789ABCDEF0123456789abcdef';
    const fields = { 'User-Name': 'kim', 'Acct-Session-Id': 'c1', 'NAS-IP-Address': '192.0.2.20' };
    expect(acctUniqueId(record({ ...fields, Class: classText }))).toBe('c4c82f8abdc34ae82889752761dd3be1');
    expect(acctUniqueId(record({ ...fields, Class: { type: 'octets', value: [`0x${Buffer.from(classText).toString('hex')}`] } }))).toBe('c4c82f8abdc34ae82889752761dd3be1');
  });
  it('takes the Acct-Unique-Session-Id the request carries', () => {
    expect(acctUniqueId(record({ ...base, 'Acct-Unique-Session-Id': 'C4C82F8ABDC34AE82889752761DD3BE1' }))).toBe('c4c82f8abdc34ae82889752761dd3be1');
  });
});

describe('acctUniqueId', () => {
  it('differs when the same Acct-Session-Id comes from another NAS or user', () => {
    const a = acctUniqueId({ userName: 'u', acctSessionId: '1', nasIpAddress: null, nasIdentifier: 'a', nasPortId: '' });
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(acctUniqueId({ userName: 'u', acctSessionId: '1', nasIpAddress: null, nasIdentifier: 'b', nasPortId: '' })).not.toBe(a);
    expect(acctUniqueId({ userName: 'v', acctSessionId: '1', nasIpAddress: null, nasIdentifier: 'a', nasPortId: '' })).not.toBe(a);
  });
  it('keeps the earlier formula (no NAS-Port) for sessions opened before', () => {
    expect(legacyAcctUniqueId({ userName: 'jane', acctSessionId: '5f2a0001', nasIpAddress: '192.0.2.10', nasIdentifier: 'hotspot-lobby', nasPortId: 'wlan0' }))
      .toBe('8f9870d57b9f6704abf3d3e2120e0574');
  });
});

describe('eventTime', () => {
  const now = new Date('2030-01-01T12:00:00Z');
  it('uses Event-Timestamp, else now minus Acct-Delay-Time', () => {
    expect(eventTime({ eventTimestamp: new Date('2030-01-01T11:59:00Z'), delayTime: 5 }, now, 3600).toISOString()).toBe('2030-01-01T11:59:00.000Z');
    expect(eventTime({ eventTimestamp: null, delayTime: 30 }, now, 3600).toISOString()).toBe('2030-01-01T11:59:30.000Z');
    expect(eventTime({ eventTimestamp: null, delayTime: null }, now, 3600)).toEqual(now);
  });
  it('is bounded by the server clock', () => {
    expect(eventTime({ eventTimestamp: new Date('2031-01-01T00:00:00Z'), delayTime: null }, now, 3600)).toEqual(now);
    expect(eventTime({ eventTimestamp: new Date('2020-01-01T00:00:00Z'), delayTime: null }, now, 3600).toISOString()).toBe('2030-01-01T11:00:00.000Z');
  });
});
