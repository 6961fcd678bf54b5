import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';
import { UserEntity } from '../users/user.entity.js';
import { AccountingSessionEntity } from './accounting-session.entity.js';

export enum LedgerKind {
  /** Time added (PUT/PATCH raising the balance, `balance:add`). */
  TopUp = 'top_up',
  /** A manual change that lowers the balance. */
  Adjustment = 'adjustment',
  /** A closed session's final charge. */
  Session = 'session',
}

/** Every change of a balance that is not an in-flight charge: "where did my time go". */
@Entity('balance_ledger')
@Check('CHK_balance_ledger_kind', `"kind" IN ('top_up', 'adjustment', 'session')`)
@Index('IDX_balance_ledger_user', ['userId', 'id'])
export class BalanceLedgerEntity {
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity | null;

  @Column({ name: 'username', type: 'varchar', length: 253 })
  username!: string;

  @Column({ name: 'kind', type: 'varchar', length: 16 })
  kind!: LedgerKind;

  /** Change to balance_seconds: positive for top-ups, negative for the paid part of a session. */
  @Column({ name: 'delta_seconds', type: 'bigint', transformer: bigintToNumber })
  deltaSeconds!: number;

  /** For a session: seconds used after the balance reached 0 (not paid). */
  @Column({ name: 'overage_seconds', type: 'bigint', default: 0, transformer: bigintToNumber })
  overageSeconds!: number;

  @Column({ name: 'balance_after', type: 'bigint', transformer: bigintToNumber })
  balanceAfter!: number;

  @Column({ name: 'session_id', type: 'bigint', nullable: true })
  sessionId!: string | null;

  @ManyToOne(() => AccountingSessionEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'session_id' })
  session?: AccountingSessionEntity | null;

  @Column({ name: 'actor_user_id', type: 'integer', nullable: true })
  actorUserId!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'actor_user_id' })
  actor?: UserEntity | null;

  @Column({ name: 'reason', type: 'varchar', length: 255, default: '' })
  reason!: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
