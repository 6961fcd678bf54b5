import { DomainError } from '../common/errors/domain-error.js';
import { parseAccessRequest } from './rest-request.js';

function fieldErrors(body: unknown) {
  try {
    parseAccessRequest(body);
  } catch (error) {
    if (error instanceof DomainError) return error.fieldErrors;
    throw error;
  }
  throw new Error('expected a validation error');
}

describe('parseAccessRequest (rlm_rest JSON body)', () => {
  it("reads rlm_rest's typed form, keeping quotes and backslashes in the password as sent", () => {
    const password = 'pa"ss\\word\'%{x}';
    const body = JSON.parse(
      `{"User-Name":{"type":"string","value":["jane"]},"User-Password":{"type":"string","value":[${JSON.stringify(password)}]},` +
        '"NAS-IP-Address":{"type":"ipaddr","value":["127.0.0.1"]},"Event-Timestamp":{"type":"date","value":["Dec  1 2026 08:43:46 CET"]}}',
    ) as unknown;
    expect(parseAccessRequest(body)).toEqual({ userName: 'jane', password });
  });

  it('reads plain and listed values and case-insensitive names', () => {
    expect(parseAccessRequest({ 'user-name': 'jane', 'USER-PASSWORD': ['secret'] })).toEqual({ userName: 'jane', password: 'secret' });
  });

  it('has no password for a request without User-Password (CHAP, EAP)', () => {
    expect(parseAccessRequest({ 'User-Name': { type: 'string', value: ['jane'] }, 'CHAP-Password': { type: 'octets', value: ['0x01'] } })).toEqual({
      userName: 'jane',
      password: undefined,
    });
  });

  it('names the attribute that is missing or malformed', () => {
    expect(fieldErrors({})).toEqual({ 'User-Name': ['This field is required.'] });
    expect(fieldErrors({ 'User-Name': '' })).toEqual({ 'User-Name': ['This field is required.'] });
    expect(fieldErrors({ 'User-Name': { type: 'string', value: ['a', 'b'] } })).toEqual({
      'User-Name': ['Must be a string, or rlm_rest\'s {"type", "value": [...]} form with one value.'],
    });
    expect(fieldErrors({ 'User-Name': 'jane', 'User-Password': 42 })).toEqual({
      'User-Password': ['Must be a string, or rlm_rest\'s {"type", "value": [...]} form with one value.'],
    });
    expect(fieldErrors({ 'User-Name': 'x'.repeat(254) })).toEqual({ 'User-Name': ['Ensure this field has no more than 253 characters.'] });
    expect(fieldErrors([])).toEqual({ non_field_errors: ['Invalid data. Expected a JSON object keyed by RADIUS attribute names.'] });
  });
});
