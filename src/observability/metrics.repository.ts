import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The database questions a scrape asks; read-only. */
@Injectable()
export class MetricsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Served by the partial indexes on open sessions. */
  async countOpenSessions(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM accounting_sessions WHERE status = 'open'`);
    return row?.n ?? 0;
  }
}
