import { USERNAME_MESSAGE } from './user-rules.js';
import { booleanRule, checkFields, emailRule, nameRule, passwordRule, tokenLifetimeRule, usernameRule } from './user-field-rules.js';

describe('account field rules', () => {
  it('username: lowercase letters, digits and @.+-_ only, 1..128 characters', () => {
    expect(usernameRule('jane.smith+1@corp_x-y')).toBeUndefined();
    expect(usernameRule('a'.repeat(128))).toBeUndefined();
    expect(usernameRule('a'.repeat(129))).toBe('Ensure this field has no more than 128 characters.');
    expect(usernameRule('Jane')).toBe(USERNAME_MESSAGE);
    expect(usernameRule('jane smith')).toBe(USERNAME_MESSAGE);
    expect(usernameRule('jäne')).toBe(USERNAME_MESSAGE);
    expect(usernameRule('')).toBe('This field may not be blank.');
    expect(usernameRule('   ')).toBe('This field may not be blank.');
    expect(usernameRule(42)).toBe('Not a valid string.');
  });

  it('email: blank or a valid address of at most 254 characters', () => {
    expect(emailRule('')).toBeUndefined();
    expect(emailRule('jane@example.com')).toBeUndefined();
    expect(emailRule('jane@')).toBe('Enter a valid email address.');
    expect(emailRule('no-at-sign')).toBe('Enter a valid email address.');
    expect(emailRule(`${'a'.repeat(250)}@example.com`)).toBe('Ensure this field has no more than 254 characters.');
    expect(emailRule(null)).toBe('Not a valid string.');
  });

  it('names: at most 150 characters, blank allowed', () => {
    expect(nameRule('')).toBeUndefined();
    expect(nameRule('x'.repeat(150))).toBeUndefined();
    expect(nameRule('x'.repeat(151))).toBe('Ensure this field has no more than 150 characters.');
  });

  it('password: 8..256 characters', () => {
    expect(passwordRule('1234567')).toBe('Ensure this field has at least 8 characters.');
    expect(passwordRule('12345678')).toBeUndefined();
    expect(passwordRule('x'.repeat(256))).toBeUndefined();
    expect(passwordRule('x'.repeat(257))).toBe('Ensure this field has no more than 256 characters.');
  });

  it('booleans must be JSON booleans', () => {
    expect(booleanRule(true)).toBeUndefined();
    expect(booleanRule(false)).toBeUndefined();
    expect(booleanRule('true')).toBe('Must be a valid boolean.');
    expect(booleanRule(1)).toBe('Must be a valid boolean.');
  });

  it('token_lifetime: null or whole seconds from 60 to ten years', () => {
    expect(tokenLifetimeRule(null)).toBeUndefined();
    expect(tokenLifetimeRule(60)).toBeUndefined();
    expect(tokenLifetimeRule(315_360_000)).toBeUndefined();
    expect(tokenLifetimeRule(59)).toBe('Ensure this value is greater than or equal to 60.');
    expect(tokenLifetimeRule(315_360_001)).toBe('Ensure this value is less than or equal to 315360000 (10 years of seconds).');
    expect(tokenLifetimeRule(60.5)).toBe('A valid integer is required.');
    expect(tokenLifetimeRule('3600')).toBe('A valid integer is required.');
  });

  it('checkFields reports only present fields that break their rule', () => {
    expect(
      checkFields({
        username: [usernameRule, 'Bad'],
        email: [emailRule, undefined],
        password: [passwordRule, 'short'],
        first_name: [nameRule, 'ok'],
      }),
    ).toEqual({ username: [USERNAME_MESSAGE], password: ['Ensure this field has at least 8 characters.'] });
    expect(checkFields({ username: [usernameRule, 'fine'] })).toEqual({});
  });
});
