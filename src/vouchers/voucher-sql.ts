/**
 * A voucher's validity as SQL, defined once for authorize and the batch listing. "First use" is the
 * voucher's first session (the NAS's Start, or the first record that showed it): authorize itself
 * writes nothing, and a code typed but never used to get online has not started its days.
 */

/** When the subscriber `user` (a users alias) was first online: its first session's start; null before. */
export function voucherFirstUseSql(user: string): string {
  return `(SELECT min(fs.started_at) FROM accounting_sessions fs WHERE fs.user_id = ${user}.id)`;
}

/**
 * When the voucher `voucher` (a vouchers alias, possibly outer-joined) stops being usable: valid_days
 * after first use; null without either (the first use is looked up only when there is a limit).
 */
export function voucherExpirySql(voucher: string, user: string): string {
  return `(CASE WHEN ${voucher}.valid_days IS NULL THEN NULL ELSE ${voucherFirstUseSql(user)} + make_interval(days => ${voucher}.valid_days) END)`;
}
