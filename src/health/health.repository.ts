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
}
