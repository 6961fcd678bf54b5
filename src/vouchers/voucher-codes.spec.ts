import { CODE_ALPHABET, CODE_LENGTH, generateCode, generateUsernames } from './voucher-codes.js';

describe('voucher codes', () => {
  it('uses no ambiguous characters', () => {
    for (const ambiguous of ['0', 'o', 'O', '1', 'l', 'I', 'i']) expect(CODE_ALPHABET).not.toContain(ambiguous);
    expect(new Set(CODE_ALPHABET).size).toBe(31);
  });

  it('draws codes of CODE_LENGTH symbols from the alphabet, different each time', () => {
    const codes = Array.from({ length: 1000 }, generateCode);
    for (const code of codes) expect(code).toMatch(new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`));
    expect(new Set(codes).size).toBe(1000);
  });

  it('makes distinct usernames with the prefix, valid for the username rule', () => {
    const names = generateUsernames('lobby-', 5000);
    expect(new Set(names).size).toBe(5000);
    for (const name of names) expect(name).toMatch(/^lobby-[a-z2-9]{8}$/);
  });
});
