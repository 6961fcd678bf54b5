import { readEventTimestamp } from './event-timestamp.js';

const at = (text: string | number) => {
  const reading = readEventTimestamp(text);
  return reading.kind === 'time' ? reading.at.toISOString() : reading.kind;
};

describe('readEventTimestamp', () => {
  it('reads Unix seconds', () => {
    expect(at(1796111026)).toBe('2026-12-01T07:43:46.000Z');
    expect(at('1796111026')).toBe('2026-12-01T07:43:46.000Z');
    expect(at(0)).toBe('invalid');
  });

  // The strings are what `TZ=Europe/Paris freeradius -X` printed for Event-Timestamp 1796111026 and
  // 1795999426 (see the note in README "Accounting"); the others are the same instants in other zones.
  it("reads FreeRADIUS's printed local time with the host's zone abbreviation", () => {
    expect(at('Dec  1 2026 08:43:46 CET')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Nov 30 2026 01:43:46 CET')).toBe('2026-11-30T00:43:46.000Z');
    expect(at('"Dec  1 2026 08:43:46 CET"')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 07:43:46 UTC')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 07:43:46 GMT')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Jul 15 2026 09:43:46 CEST')).toBe('2026-07-15T07:43:46.000Z');
    expect(at('Jul 15 2026 08:43:46 BST')).toBe('2026-07-15T07:43:46.000Z');
    expect(at('Dec  1 2026 09:43:46 EET')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 10:43:46 MSK')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 02:43:46 EST')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Jul 15 2026 03:43:46 EDT')).toBe('2026-07-15T07:43:46.000Z');
    expect(at('Jul 15 2026 00:43:46 PDT')).toBe('2026-07-15T07:43:46.000Z');
    expect(at('Nov 30 2026 21:43:46 HST')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 16:43:46 JST')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 18:43:46 AEDT')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 20:43:46 NZDT')).toBe('2026-12-01T07:43:46.000Z');
  });

  it('reads the numeric abbreviations glibc prints for zones without a name', () => {
    expect(at('Dec  1 2026 10:43:46 +03')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 13:13:46 +0530')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Dec  1 2026 04:43:46 -03')).toBe('2026-12-01T07:43:46.000Z');
  });

  it('refuses to guess an abbreviation that means several offsets, or one it does not know', () => {
    for (const zone of ['CST', 'CDT', 'IST', 'PST', 'XYZT']) {
      expect(readEventTimestamp(`Dec  1 2026 08:43:46 ${zone}`)).toEqual({ kind: 'ambiguous', reason: expect.stringContaining(zone) });
    }
    expect(readEventTimestamp('2026-12-01T08:43:46')).toEqual({ kind: 'ambiguous', reason: 'ISO 8601 time without an offset' });
  });

  it('reads ISO 8601 with an offset and the HTTP date', () => {
    expect(at('2026-12-01T07:43:46Z')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('2026-12-01T08:43:46+01:00')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('2026-12-01 08:43:46.250+0100')).toBe('2026-12-01T07:43:46.000Z');
    expect(at('Tue, 01 Dec 2026 07:43:46 GMT')).toBe('2026-12-01T07:43:46.000Z');
  });

  it('rejects what is no time', () => {
    for (const text of ['soon', 'Foo  1 2026 08:43:46 CET', 'Feb 30 2026 08:43:46 CET', 'Dec  1 2026 25:00:00 UTC', '2026-13-01T00:00:00Z', '-5', '12.5']) {
      expect({ text, reading: readEventTimestamp(text) }).toEqual({ text, reading: { kind: 'invalid' } });
    }
  });
});
