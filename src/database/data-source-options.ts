import type { Pool, PoolClient } from 'pg';
import { DataSource, type DataSourceOptions, type EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { ENTITIES } from './entities.js';
import { MIGRATIONS } from './migrations/index.js';

/** The one TypeORM configuration: the service, the CLI, the migration CLI and the tests all use it. */
export function buildDataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    uuidExtension: 'pgcrypto',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    extra: { max: poolSize, application_name: 'timegate-aaa' },
  };
}

/** A fixed-shape hot-path statement, prepared by name. Each name must belong to exactly one text. */
export interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Runs a named prepared statement on the pool this configuration creates: PostgreSQL parses and
 * plans it once per pooled connection instead of on every call. For the per-request reads (token
 * authentication, the balance poll), planning their joins cost PostgreSQL more than running them
 * (measured in bench/). Rows come back as `dataSource.query` returns them (same pg type parsing). Given a
 * transaction's manager, it runs on that transaction's connection.
 */
export async function queryNamed<T>(on: DataSource | EntityManager, statement: NamedStatement, values: unknown[]): Promise<T[]> {
  const result = await (await connectionOf(on)).query({ name: statement.name, text: statement.text, values });
  return result.rows as T[];
}

/**
 * The rows of a statement run for `count` items at once (arrays with ORDINALITY), each numbered `n`
 * from 1 by its item's position: one per item, in the items' order, undefined where the statement
 * returned none (without the `n` column).
 */
export function rowsByPosition<T>(rows: (T & { n: string | number })[], count: number): (T | undefined)[] {
  const byPosition = new Map(rows.map(({ n, ...row }) => [Number(n), row as T]));
  return Array.from({ length: count }, (_, index) => byPosition.get(index + 1));
}

/** The pool, or inside a transaction (a manager with a query runner) that transaction's connection. */
async function connectionOf(on: DataSource | EntityManager): Promise<Pool | PoolClient> {
  if (on instanceof DataSource) return (on.driver as PostgresDriver).master as Pool;
  if (on.queryRunner) return (await on.queryRunner.connect()) as PoolClient;
  return (on.connection.driver as PostgresDriver).master as Pool;
}
