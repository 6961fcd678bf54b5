import { Check, Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { Role } from '../auth/policy.js';
import { bigintToNumber } from '../database/transformers.js';
import { UserEntity } from '../users/user.entity.js';

/** The AAA side of an account: organization, role, permissions and the prepaid time balance. */
@Entity('aaa_profiles')
@Check('CHK_aaa_profiles_balance_non_negative', '"balance_seconds" >= 0')
@Check('CHK_aaa_profiles_max_sessions', '"max_sessions" >= 1')
@Check('CHK_aaa_profiles_role', `"role" IN ('admin', 'moderator', 'user', 'gateway')`)
@Index('IDX_aaa_profiles_burning', ['userId'], { where: '"open_sessions" > 0' })
export class AaaProfileEntity {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Index('IDX_aaa_profiles_organization')
  @Column({ name: 'organization', type: 'varchar', length: 128, default: '' })
  organization!: string;

  @Column({ name: 'role', type: 'varchar', length: 16, default: Role.User })
  role!: Role;

  @Column({ name: 'permissions', type: 'text', array: true, default: () => "'{}'" })
  permissions!: string[];

  /** Paid seconds left, as of the last charge (open sessions may have used some since). */
  @Column({ name: 'balance_seconds', type: 'bigint', default: 0, transformer: bigintToNumber })
  balanceSeconds!: number;

  /**
   * The instant every burning session of the subscriber is charged up to (null before its first
   * settlement): the balance at `now` is `balance_seconds − open_sessions × (now − settled_at)`,
   * in whole seconds (see src/accounting/balance-sql.ts).
   */
  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt!: Date | null;

  /** How many open sessions burn the balance (accounting_sessions.burning); the run walks those > 0 by a partial index. */
  @Column({ name: 'open_sessions', type: 'integer', default: 0 })
  openSessions!: number;

  /**
   * When the balance is predicted to reach 0 with the live sessions (never later than it does; null
   * without live sessions): the exhaustion timer wakes at the earliest one. See ChargingRepository.
   */
  @Index('IDX_aaa_profiles_exhausts_at', { where: '"exhausts_at" IS NOT NULL' })
  @Column({ name: 'exhausts_at', type: 'timestamptz', nullable: true })
  exhaustsAt!: Date | null;

  /** How many sessions may be open at once (authorize rejects with `too_many_sessions` at the limit); null: no limit. */
  @Column({ name: 'max_sessions', type: 'integer', nullable: true })
  maxSessions!: number | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
