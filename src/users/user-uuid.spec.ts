import { parseUserUuid, userUrl, uuidHex } from './user-uuid.js';

const canonical = '3fa85f64-5717-4562-b3fc-2c963f66afa6';

describe('user uuids', () => {
  it('accepts 32 hex characters or the hyphenated form, any case', () => {
    expect(parseUserUuid('3fa85f6457174562b3fc2c963f66afa6')).toBe(canonical);
    expect(parseUserUuid(canonical)).toBe(canonical);
    expect(parseUserUuid('3FA85F6457174562B3FC2C963F66AFA6')).toBe(canonical);
    expect(parseUserUuid(canonical.toUpperCase())).toBe(canonical);
  });

  it('rejects anything else', () => {
    for (const raw of ['', '123', 'not-a-uuid', '3fa85f6457174562b3fc2c963f66afa', '3fa85f6457174562b3fc2c963f66afa6a', '3fa85f64-57174562-b3fc-2c963f66afa6', 'zfa85f6457174562b3fc2c963f66afa6']) {
      expect(parseUserUuid(raw)).toBeUndefined();
    }
  });

  it('shows the uuid as 32 lowercase hex characters in the API and in URLs', () => {
    expect(uuidHex(canonical)).toBe('3fa85f6457174562b3fc2c963f66afa6');
    expect(userUrl('https://api.example.com', canonical)).toBe('https://api.example.com/api/users/3fa85f6457174562b3fc2c963f66afa6/');
  });
});
