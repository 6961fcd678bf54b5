import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';
import { NasClientEntity } from '../radius/nas-client.entity.js';
import { UserEntity } from '../users/user.entity.js';

export enum SessionStatus {
  Open = 'open',
  Closed = 'closed',
}

/**
 * One RADIUS accounting session (RFC 2866/2869), as FreeRADIUS's radacct keeps it, plus what
 * charging needs: `charged_seconds` (already taken from the balance, including overage) and
 * `overage_seconds` (time used after the balance had reached 0, never paid).
 */
@Entity('accounting_sessions')
@Check('CHK_accounting_sessions_status', `"status" IN ('open', 'closed')`)
@Check('CHK_accounting_sessions_disconnect_status', `"disconnect_status" IN ('pending', 'ack', 'nak', 'timeout', 'no_nas')`)
@Check('CHK_accounting_sessions_coa_status', `"coa_status" IN ('ack', 'nak', 'timeout', 'no_nas', 'disabled')`)
@Check('CHK_accounting_sessions_overage', '"overage_seconds" >= 0 AND "overage_seconds" <= GREATEST("charged_seconds", 0)')
@Index('IDX_accounting_sessions_open_user', ['userId'], { where: `"status" = 'open'` })
@Index('IDX_accounting_sessions_open_last_update', ['lastUpdateAt'], { where: `"status" = 'open'` })
@Index('IDX_accounting_sessions_open_nas_identifier', ['nasIdentifier'], { where: `"status" = 'open'` })
@Index('IDX_accounting_sessions_open_nas_ip', ['nasIpAddress'], { where: `"status" = 'open'` })
@Index('IDX_accounting_sessions_user_started', ['userId', 'startedAt'])
@Index('IDX_accounting_sessions_nas_client', ['nasClientId'])
@Index('IDX_accounting_sessions_open_not_burning', ['userId'], { where: `"status" = 'open' AND NOT "burning" AND "user_id" IS NOT NULL` })
export class AccountingSessionEntity {
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint' })
  id!: string;

  /** FreeRADIUS's Acct-Unique-Session-Id: md5 of user, Acct-Session-Id and NAS identity (Acct-Session-Id repeats after a NAS reboot). */
  @Column({ name: 'acct_unique_id', type: 'char', length: 32, unique: true })
  acctUniqueId!: string;

  @Column({ name: 'acct_session_id', type: 'varchar', length: 253 })
  acctSessionId!: string;

  /** Null when the subscriber is unknown or was deleted (the history is kept). */
  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity | null;

  /** User-Name as the NAS reported it. */
  @Column({ name: 'username', type: 'varchar', length: 253 })
  username!: string;

  @Column({ name: 'nas_identifier', type: 'varchar', length: 253, default: '' })
  nasIdentifier!: string;

  @Column({ name: 'nas_ip_address', type: 'inet', nullable: true })
  nasIpAddress!: string | null;

  @Column({ name: 'nas_port_id', type: 'varchar', length: 253, default: '' })
  nasPortId!: string;

  @Column({ name: 'calling_station_id', type: 'varchar', length: 253, default: '' })
  callingStationId!: string;

  @Column({ name: 'called_station_id', type: 'varchar', length: 253, default: '' })
  calledStationId!: string;

  @Column({ name: 'framed_ip_address', type: 'inet', nullable: true })
  framedIpAddress!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'last_update_at', type: 'timestamptz' })
  lastUpdateAt!: Date;

  @Column({ name: 'stopped_at', type: 'timestamptz', nullable: true })
  stoppedAt!: Date | null;

  /** Cumulative seconds as the NAS reported them (Acct-Session-Time); the final duration once closed. */
  @Column({ name: 'session_time', type: 'bigint', default: 0, transformer: bigintToNumber })
  sessionTime!: number;

  /** Octets + Gigawords × 2^32. */
  @Column({ name: 'input_octets', type: 'bigint', default: 0, transformer: bigintToNumber })
  inputOctets!: number;

  @Column({ name: 'output_octets', type: 'bigint', default: 0, transformer: bigintToNumber })
  outputOctets!: number;

  @Column({ name: 'charged_seconds', type: 'bigint', default: 0, transformer: bigintToNumber })
  chargedSeconds!: number;

  @Column({ name: 'overage_seconds', type: 'bigint', default: 0, transformer: bigintToNumber })
  overageSeconds!: number;

  /**
   * Counted in its subscriber's open_sessions: charged implicitly up to the subscriber's settled_at,
   * `charged_seconds` being its charge as of `charged_at` (see src/accounting/balance-sql.ts).
   */
  @Column({ name: 'burning', type: 'boolean', default: false })
  burning!: boolean;

  @Column({ name: 'charged_at', type: 'timestamptz', nullable: true })
  chargedAt!: Date | null;

  @Column({ name: 'status', type: 'varchar', length: 8, default: SessionStatus.Open })
  status!: SessionStatus;

  @Column({ name: 'terminate_cause', type: 'varchar', length: 253, nullable: true })
  terminateCause!: string | null;

  /** An Acct-Session-Time longer than the session can have lasted was cut down (see SessionsRepository). */
  @Column({ name: 'session_time_clamped', type: 'boolean', default: false })
  sessionTimeClamped!: boolean;

  /** True once the NAS's own Stop gave the final figures (a server-side close can still be corrected by a late Stop). */
  @Column({ name: 'stop_received', type: 'boolean', default: false })
  stopReceived!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** RFC 5176 Disconnect-Request sent when the balance ran out: pending, ack, nak, timeout, or no_nas (no NAS client to send it to). */
  @Column({ name: 'disconnect_status', type: 'varchar', length: 16, nullable: true })
  disconnectStatus!: string | null;

  @Column({ name: 'disconnect_attempts', type: 'integer', default: 0 })
  disconnectAttempts!: number;

  /** When the NAS answered (or the last attempt timed out). */
  @Column({ name: 'disconnect_at', type: 'timestamptz', nullable: true })
  disconnectAt!: Date | null;

  /** Disconnect-NAK's Error-Cause, or why nothing could be sent. */
  @Column({ name: 'disconnect_error', type: 'varchar', length: 64, nullable: true })
  disconnectError!: string | null;

  /**
   * The latest CoA-Request (RFC 5176) sent when the subscriber's balance changed during the session:
   * ack, nak, timeout, no_nas (bound to no NAS client) or disabled (its NAS client has coa_enabled false).
   */
  @Column({ name: 'coa_status', type: 'varchar', length: 16, nullable: true })
  coaStatus!: string | null;

  @Column({ name: 'coa_attempts', type: 'integer', default: 0 })
  coaAttempts!: number;

  @Column({ name: 'coa_at', type: 'timestamptz', nullable: true })
  coaAt!: Date | null;

  /** CoA-NAK's Error-Cause, or why nothing could be sent. */
  @Column({ name: 'coa_error', type: 'varchar', length: 64, nullable: true })
  coaError!: string | null;

  /** The Session-Timeout the CoA-Request carried (remaining balance / live sessions, in seconds from then). */
  @Column({ name: 'coa_session_timeout', type: 'bigint', nullable: true, transformer: bigintToNumber })
  coaSessionTimeout!: number | null;

  /**
   * The NAS client that reported the session (the RADIUS packet's source, or the one linked to the
   * gateway account posting HTTP accounting); Disconnect-Requests go only there. Null: none.
   */
  @Column({ name: 'nas_client_id', type: 'integer', nullable: true })
  nasClientId!: number | null;

  @ManyToOne(() => NasClientEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'nas_client_id', foreignKeyConstraintName: 'FK_accounting_sessions_nas_client_id' })
  nasClient?: NasClientEntity | null;
}
