import { Injectable } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';

/** The database questions the readiness probe asks; nothing here writes. */
@Injectable()
export class HealthRepository {
  constructor(private readonly dataSource: DataSource) {}

  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /**
   * Names of the migrations this build knows that the database has not applied.
   * (Same question as `dataSource.showMigrations()`, but read-only — that one creates the
   * migrations table when missing — it names what is pending, and always releases its connection.)
   */
  async pendingMigrationNames(): Promise<string[]> {
    const pending = await new MigrationExecutor(this.dataSource).getPendingMigrations();
    return pending.map((migration) => migration.name);
  }

  /** When the latest accounting run that finished without error ended (the started_at index finds it). */
  async lastSuccessfulRunFinishedAt(): Promise<Date | null> {
    const [row] = await this.dataSource.query<{ finished_at: Date }[]>(
      `SELECT finished_at FROM accounting_runs WHERE finished_at IS NOT NULL AND error IS NULL ORDER BY started_at DESC LIMIT 1`,
    );
    return row ? new Date(row.finished_at) : null;
  }
}
