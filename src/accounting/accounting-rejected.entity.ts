import { Check, Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * An accounting record the service refused (invalid attributes) or could not apply (its transaction
 * failed), kept as received so it can be replayed once the cause is fixed.
 */
@Entity('accounting_rejected')
@Check('CHK_accounting_rejected_source', `"source" IN ('http', 'radius')`)
@Index('IDX_accounting_rejected_received_at', ['receivedAt'])
export class AccountingRejectedEntity {
  @PrimaryGeneratedColumn('increment', { name: 'id', type: 'bigint' })
  id!: string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** http (POST /api/v1/accounting/) or radius (an Accounting-Request). */
  @Column({ name: 'source', type: 'varchar', length: 8 })
  source!: 'http' | 'radius';

  /** Who sent it: the caller's username, or the NAS client's name and address. */
  @Column({ name: 'source_detail', type: 'varchar', length: 300, default: '' })
  sourceDetail!: string;

  /** Who reported it (a replay binds a new session as the original would have): the NAS client of a RADIUS packet… */
  @Column({ name: 'nas_client_id', type: 'integer', nullable: true })
  nasClientId!: number | null;

  /** …or the gateway account that posted it over HTTP. */
  @Column({ name: 'gateway_user_id', type: 'integer', nullable: true })
  gatewayUserId!: number | null;

  /** The attributes as received (RADIUS: as decoded, octets as 0x-hex). */
  @Column({ name: 'body', type: 'jsonb' })
  body!: unknown;

  @Column({ name: 'reason', type: 'text' })
  reason!: string;

  /** Field errors, as the 400 answer named them. */
  @Column({ name: 'errors', type: 'jsonb', nullable: true })
  errors!: Record<string, string[]> | null;

  /** Set once a replay applied it. */
  @Column({ name: 'replayed_at', type: 'timestamptz', nullable: true })
  replayedAt!: Date | null;

  /** The last replay's outcome: the ingest result, or why it failed again. */
  @Column({ name: 'replay_result', type: 'text', nullable: true })
  replayResult!: string | null;
}
