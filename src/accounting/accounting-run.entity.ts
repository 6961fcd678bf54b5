import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';

/** What one accounting run did; a run that died leaves finished_at null and is marked by the next one. */
@Entity('accounting_runs')
@Index('IDX_accounting_runs_started', ['startedAt'])
export class AccountingRunEntity {
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;

  @Column({ name: 'sessions_charged', type: 'integer', default: 0 })
  sessionsCharged!: number;

  /** Net seconds moved by charging (refunds count negative). */
  @Column({ name: 'seconds_charged', type: 'bigint', default: 0, transformer: bigintToNumber })
  secondsCharged!: number;

  @Column({ name: 'sessions_stopped', type: 'integer', default: 0 })
  sessionsStopped!: number;

  @Column({ name: 'stale_closed', type: 'integer', default: 0 })
  staleClosed!: number;

  @Column({ name: 'tokens_expired', type: 'integer', default: 0 })
  tokensExpired!: number;

  @Column({ name: 'error', type: 'text', nullable: true })
  error!: string | null;

  /** schedule | cli | api */
  @Column({ name: 'trigger', type: 'varchar', length: 16 })
  trigger!: string;

  /** host:pid of the replica that ran it. */
  @Column({ name: 'instance', type: 'varchar', length: 255 })
  instance!: string;
}
