/** One voucher as the CSV lists it; `code` null when the code cannot be shown again (no SECRETS_KEY at creation). */
export interface VoucherCsvRow {
  username: string;
  code: string | null;
  balance_seconds: number;
}

const VOUCHERS_CSV_HEADER = 'username,code,balance_seconds';

/**
 * The batch's CSV lines, the header first: one line per voucher. Usernames and codes hold only
 * [a-z0-9@.+_-], so no field needs quoting; an unavailable code is an empty field.
 */
export function vouchersCsvLines(rows: readonly VoucherCsvRow[]): string[] {
  return [VOUCHERS_CSV_HEADER, ...rows.map((row) => `${row.username},${row.code ?? ''},${row.balance_seconds}`)];
}

/** The batch as an RFC 4180 document (CRLF line ends), as the API answers it. */
export function vouchersCsv(rows: readonly VoucherCsvRow[]): string {
  return vouchersCsvLines(rows).join('\r\n') + '\r\n';
}
