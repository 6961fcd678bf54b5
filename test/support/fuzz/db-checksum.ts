import type { DataSource } from 'typeorm';

/** The tables a request could write, each with a stable order for its checksum. */
export const CHECKED_TABLES: Record<string, string> = {
  users: 'id',
  aaa_profiles: 'user_id',
  auth_tokens: 'user_id',
  accounting_sessions: 'id',
  balance_ledger: 'id',
  accounting_runs: 'id',
};

const SQL = `SELECT ${Object.entries(CHECKED_TABLES)
  .map(([table, order]) => `(SELECT md5(COALESCE(string_agg(t::text, ',' ORDER BY t.${order}), '')) FROM ${table} t) AS ${table}`)
  .join(', ')}`;

export type Checksums = Record<string, string>;

/** md5 of every row of every checked table, per table (one round trip). */
export async function tableChecksums(dataSource: DataSource): Promise<Checksums> {
  const rows: Checksums[] = await dataSource.query(SQL);
  return rows[0]!;
}

/** The tables whose checksum differs, or [] when nothing changed. */
export function changedTables(before: Checksums, after: Checksums): string[] {
  return Object.keys(CHECKED_TABLES).filter((table) => before[table] !== after[table]);
}
