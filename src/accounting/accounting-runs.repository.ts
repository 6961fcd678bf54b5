import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountingRunEntity } from './accounting-run.entity.js';

export interface RunCounts {
  sessionsCharged: number;
  secondsCharged: number;
  sessionsStopped: number;
  staleClosed: number;
  tokensExpired: number;
}

/** The history of accounting runs. Written through the pool, so a run's own failing connection cannot lose it. */
@Injectable()
export class AccountingRunsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(AccountingRunEntity);
  }

  async start(startedAt: Date, trigger: string, instance: string): Promise<AccountingRunEntity> {
    return this.repo.save(this.repo.create({ startedAt, trigger, instance, finishedAt: null, error: null }));
  }

  async finish(id: string, finishedAt: Date, counts: RunCounts, error: string | null): Promise<AccountingRunEntity> {
    await this.repo.update({ id }, { ...counts, finishedAt, error });
    return this.repo.findOneByOrFail({ id });
  }

  /** Runs that never recorded a finish died with their process; say so (called under the run lock). */
  async markInterrupted(): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .update()
      .set({ error: 'interrupted: the process running it stopped before it finished' })
      .where('finished_at IS NULL AND error IS NULL')
      .execute();
    return result.affected ?? 0;
  }

  async findPage(offset: number, limit: number): Promise<{ rows: AccountingRunEntity[]; count: number }> {
    const [rows, count] = await this.repo.findAndCount({ order: { id: 'DESC' }, skip: offset, take: limit });
    return { rows, count };
  }

  /** The latest runs the in-process schedule started (any replica), newest first. */
  findRecentScheduled(limit: number): Promise<AccountingRunEntity[]> {
    return this.repo.find({ where: { trigger: 'schedule' }, order: { startedAt: 'DESC' }, take: limit });
  }

  findLatest(): Promise<AccountingRunEntity | null> {
    return this.repo.findOne({ where: {}, order: { id: 'DESC' } });
  }
}
