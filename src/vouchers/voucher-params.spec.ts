import { DomainError } from '../common/errors/domain-error.js';
import { parseBatchId, parseVoucherFormat } from './voucher-params.js';
import { checkValidDays, checkVoucherCount, checkVoucherPrefix } from './voucher-rules.js';

describe('voucher request parameters', () => {
  it('format: json by default, csv, anything else a 400 naming format', () => {
    expect(parseVoucherFormat({})).toBe('json');
    expect(parseVoucherFormat({ format: '' })).toBe('json');
    expect(parseVoucherFormat({ format: 'json' })).toBe('json');
    expect(parseVoucherFormat({ format: 'csv' })).toBe('csv');
    expect(() => parseVoucherFormat({ format: 'CSV' })).toThrow(DomainError);
    const thrown = (() => {
      try {
        parseVoucherFormat({ format: 'xml' });
        return undefined;
      } catch (error) {
        return error as DomainError;
      }
    })();
    expect(thrown?.fieldErrors).toEqual({ format: ['Select a valid choice: json or csv.'] });
  });

  it('batch id: a UUID (lowercased), anything else 404', () => {
    expect(parseBatchId('0B6F8E8E-1D7C-4A8E-9A55-3F1F0E1C2B3A')).toBe('0b6f8e8e-1d7c-4a8e-9a55-3f1f0e1c2b3a');
    for (const raw of ['1', 'not-a-uuid', '0b6f8e8e-1d7c-4a8e-9a55-3f1f0e1c2b3', "0b6f8e8e-1d7c-4a8e-9a55-3f1f0e1c2b3a'"]) {
      expect(() => parseBatchId(raw)).toThrow('Not found.');
    }
  });

  it('count, valid_days and prefix rules', () => {
    expect(checkVoucherCount(1)).toBeUndefined();
    expect(checkVoucherCount(10_000)).toBeUndefined();
    expect(checkVoucherCount(10_001)).toBe('Ensure this value is less than or equal to 10000.');
    expect(checkVoucherCount(2.5)).toBe('A valid integer is required.');
    expect(checkValidDays(null)).toBeUndefined();
    expect(checkValidDays(3651)).toBe('Ensure this value is less than or equal to 3650.');
    expect(checkVoucherPrefix('')).toBeUndefined();
    expect(checkVoucherPrefix('lobby-2026.')).toBeUndefined();
    expect(checkVoucherPrefix('x'.repeat(33))).toBe('Ensure this field has no more than 32 characters.');
    expect(checkVoucherPrefix(7)).toBe('Not a valid string.');
  });
});
