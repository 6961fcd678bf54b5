/** One voucher as the CSV lists it; `code` null when the code cannot be shown again (no SECRETS_KEY at creation). */
export interface VoucherCsvRow {
  username: string;
  code: string | null;
  balance_seconds: number;
}

export const VOUCHERS_CSV_HEADER = 'username,code,balance_seconds';

/**
 * The batch as CSV (RFC 4180, CRLF): one line per voucher. Usernames and codes hold only
 * [a-z0-9@.+_-], so no field needs quoting; an unavailable code is an empty field.
 */
export function vouchersCsv(rows: readonly VoucherCsvRow[]): string {
  return [VOUCHERS_CSV_HEADER, ...rows.map((row) => `${row.username},${row.code ?? ''},${row.balance_seconds}`)].join('\r\n') + '\r\n';
}
