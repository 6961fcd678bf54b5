import { DomainError } from '../common/errors/domain-error.js';
import { BALANCE_MAX_SECONDS } from '../accounting/balance.service.js';
import {
  nameRule as checkName,
  passwordRule as checkPassword,
  requiredEmailRule as checkEmail,
  tokenLifetimeRule as checkTokenLifetime,
  usernameRule as checkUsername,
} from '../users/user-field-rules.js';
import { checkBalanceSeconds, checkOrganization, checkPermissions, checkRole } from './dto/field-rules.js';
import { parsePathId } from '../common/http/path-id.js';
import { parseBalanceFlag } from './query-params.js';

function thrownBy(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('user_token field rules', () => {
  it('username: Django rules, one message per failure', () => {
    expect(checkUsername('jane.smith+1@x_y-z')).toBeUndefined();
    expect(checkUsername(5)).toBe('Not a valid string.');
    expect(checkUsername('')).toBe('This field may not be blank.');
    expect(checkUsername('a'.repeat(129))).toBe('Ensure this field has no more than 128 characters.');
    expect(checkUsername('Jane')).toMatch(/^Enter a valid username/);
  });

  it('organization, names, email, password', () => {
    expect(checkOrganization('acme_corp')).toBeUndefined();
    expect(checkOrganization('')).toBe('This field may not be blank.');
    expect(checkName('')).toBeUndefined();
    expect(checkName('x'.repeat(151))).toBe('Ensure this field has no more than 150 characters.');
    expect(checkEmail('jane@example.com')).toBeUndefined();
    expect(checkEmail('jane')).toBe('Enter a valid email address.');
    expect(checkEmail('')).toBe('This field may not be blank.');
    expect(checkPassword('1234567')).toBe('Ensure this field has at least 8 characters.');
    expect(checkPassword('12345678')).toBeUndefined();
    expect(checkPassword('x'.repeat(257))).toBe('Ensure this field has no more than 256 characters.');
  });

  it('role: one of the roles', () => {
    expect(checkRole('gateway')).toBeUndefined();
    expect(checkRole('root')).toBe('"root" is not a valid choice.');
    expect(checkRole(1)).toBe('"1" is not a valid choice.');
  });

  it('balance_seconds: a JSON integer from 0 to 100 years', () => {
    expect(checkBalanceSeconds(0)).toBeUndefined();
    expect(checkBalanceSeconds(BALANCE_MAX_SECONDS)).toBeUndefined();
    expect(checkBalanceSeconds(BALANCE_MAX_SECONDS + 1)).toMatch(/less than or equal to 3153600000/);
    expect(checkBalanceSeconds(-1)).toBe('Ensure this value is greater than or equal to 0.');
    for (const value of ['7200', 1.5, true, null, Number.NaN, [1]]) expect(checkBalanceSeconds(value)).toBe('A valid integer is required.');
  });

  it('token_lifetime: null, or an integer from 60 s to 10 years', () => {
    expect(checkTokenLifetime(null)).toBeUndefined();
    expect(checkTokenLifetime(60)).toBeUndefined();
    expect(checkTokenLifetime(315_360_000)).toBeUndefined();
    expect(checkTokenLifetime(59)).toBe('Ensure this value is greater than or equal to 60.');
    expect(checkTokenLifetime(315_360_001)).toMatch(/less than or equal to 315360000/);
    expect(checkTokenLifetime('3600')).toBe('A valid integer is required.');
  });

  it('permissions: a list of at most 32 well-formed names', () => {
    expect(checkPermissions([])).toBeUndefined();
    expect(checkPermissions(['read', 'balances:write', 'a.b-c_d'])).toBeUndefined();
    expect(checkPermissions('read')).toBe('Expected a list of items but got type "str".');
    expect(checkPermissions({})).toBe('Expected a list of items but got type "dict".');
    expect(checkPermissions(Array.from({ length: 33 }, () => 'a'))).toBe('Ensure this field has no more than 32 elements.');
    expect(checkPermissions(['Read'])).toMatch(/^"Read" is not a valid permission/);
    expect(checkPermissions([1])).toMatch(/^"1" is not a valid permission/);
    expect(checkPermissions(['a'.repeat(65)])).toMatch(/is not a valid permission/);
  });
});

describe('user_token query and path parameters', () => {
  it('balance: true/false/1/0 in any case, absent is false, anything else a 400', () => {
    expect(parseBalanceFlag(undefined)).toBe(false);
    for (const raw of ['true', 'TRUE', 'True', '1']) expect(parseBalanceFlag(raw)).toBe(true);
    for (const raw of ['false', 'False', '0']) expect(parseBalanceFlag(raw)).toBe(false);
    for (const raw of ['', 'yes', '2']) {
      expect(thrownBy(() => parseBalanceFlag(raw))).toEqual(DomainError.field('balance', 'Must be a valid boolean.'));
    }
  });

  it('id: a positive int4 written in plain digits', () => {
    expect(parsePathId('15')).toBe(15);
    expect(parsePathId('2147483647')).toBe(2147483647);
    for (const raw of [undefined, '', '0', '-1', '1.5', '1e3', ' 1', 'abc', '2147483648', '99999999999']) {
      expect(parsePathId(raw)).toBeUndefined();
    }
  });
});
