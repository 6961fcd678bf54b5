import { NasSecretCipher, SEALED_PREFIX, SecretsKeyError } from './nas-secret-cipher.js';

const KEY = 'an-operator-chosen-key-of-at-least-32-chars';
const NEXT = 'the-next-operator-chosen-key-0123456789';

describe('NAS secrets at rest', () => {
  it('seals with AES-256-GCM (a fresh IV each time) and reads plaintext rows from before the key', () => {
    const cipher = new NasSecretCipher({ secretsKey: KEY, secretsKeyPrevious: undefined });
    const sealed = cipher.protect('shared-secret-0123456');
    expect(sealed.startsWith(SEALED_PREFIX)).toBe(true);
    expect(sealed).not.toContain('shared-secret');
    expect(cipher.protect('shared-secret-0123456')).not.toBe(sealed);
    expect(cipher.reveal(sealed)).toBe('shared-secret-0123456');
    expect(cipher.reveal('older-plain-secret-012')).toBe('older-plain-secret-012');
    expect(cipher.isCurrent(sealed)).toBe(true);
    expect(cipher.isCurrent('older-plain-secret-012')).toBe(false);
  });

  it('refuses an altered value, another key, or no key', () => {
    const sealed = new NasSecretCipher({ secretsKey: KEY, secretsKeyPrevious: undefined }).protect('shared-secret-0123456');
    const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64');
    raw[raw.length - 1]! ^= 1;
    const altered = SEALED_PREFIX + raw.toString('base64');
    expect(() => new NasSecretCipher({ secretsKey: KEY, secretsKeyPrevious: undefined }).reveal(altered)).toThrow(SecretsKeyError);
    expect(() => new NasSecretCipher({ secretsKey: NEXT, secretsKeyPrevious: undefined }).reveal(sealed)).toThrow(SecretsKeyError);
    expect(() => new NasSecretCipher({ secretsKey: undefined, secretsKeyPrevious: undefined }).reveal(sealed)).toThrow('SECRETS_KEY is not set');
  });

  it('reads values sealed under SECRETS_KEY_PREVIOUS after a rotation, as not current', () => {
    const sealed = new NasSecretCipher({ secretsKey: KEY, secretsKeyPrevious: undefined }).protect('shared-secret-0123456');
    const rotated = new NasSecretCipher({ secretsKey: NEXT, secretsKeyPrevious: KEY });
    expect(rotated.reveal(sealed)).toBe('shared-secret-0123456');
    expect(rotated.isCurrent(sealed)).toBe(false);
    expect(rotated.isCurrent(rotated.protect('x'))).toBe(true);
  });
});
