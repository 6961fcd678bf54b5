import { DomainError } from '../common/errors/domain-error.js';
import { AcctStatusType, acctUniqueId, combineOctets, eventTime, parseAccountingRequest } from './radius-attributes.js';

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
    expect(fieldErrors({ ...interim, 'Acct-Input-Gigawords': 2147483648 })).toEqual({ 'Acct-Input-Gigawords': ['A valid integer from 0 to 2147483647 is required.'] });
    expect(fieldErrors({ ...interim, 'Acct-Output-Gigawords': 4294967295 })).toEqual({ 'Acct-Output-Gigawords': ['A valid integer from 0 to 2147483647 is required.'] });
  });

  it('names every bad attribute', () => {
    expect(fieldErrors({ 'Acct-Status-Type': 'Bogus' })).toMatchObject({ 'Acct-Status-Type': [expect.stringContaining('not a valid choice')] });
    expect(fieldErrors({ 'Acct-Status-Type': 'Start' })).toMatchObject({
      'User-Name': ['This field is required.'],
      'Acct-Session-Id': ['This field is required.'],
      'NAS-Identifier': ['NAS-Identifier or NAS-IP-Address is required.'],
    });
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'Acct-Session-Time': -1 })).toHaveProperty('Acct-Session-Time');
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'Framed-IP-Address': '999.1.1.1' })).toHaveProperty('Framed-IP-Address');
    expect(fieldErrors({ ...base, 'Acct-Status-Type': 'Start', 'User-Name': { nested: true } })).toHaveProperty('User-Name');
    expect(fieldErrors([])).toHaveProperty('non_field_errors');
  });

  it('needs only NAS identity for Accounting-On/Off', () => {
    expect(parseAccountingRequest({ 'Acct-Status-Type': 'Accounting-On', 'NAS-IP-Address': '192.0.2.1' }).statusType).toBe(AcctStatusType.AccountingOn);
  });
});

describe('acctUniqueId', () => {
  it('differs when the same Acct-Session-Id comes from another NAS or user', () => {
    const a = acctUniqueId({ userName: 'u', acctSessionId: '1', nasIpAddress: null, nasIdentifier: 'a', nasPortId: '' });
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(acctUniqueId({ userName: 'u', acctSessionId: '1', nasIpAddress: null, nasIdentifier: 'b', nasPortId: '' })).not.toBe(a);
    expect(acctUniqueId({ userName: 'v', acctSessionId: '1', nasIpAddress: null, nasIdentifier: 'a', nasPortId: '' })).not.toBe(a);
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
