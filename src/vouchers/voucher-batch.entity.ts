import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { bigintToNumber } from '../database/transformers.js';
import { UserEntity } from '../users/user.entity.js';

/** One POST /api/v1/vouchers/ (or `vouchers:create`): what every voucher of it was created with. */
@Entity('voucher_batches')
@Check('CHK_voucher_batches_count', '"count" BETWEEN 1 AND 10000')
@Check('CHK_voucher_batches_valid_days', '"valid_days" >= 1')
@Check('CHK_voucher_batches_max_sessions', '"max_sessions" >= 1')
@Index('IDX_voucher_batches_organization', ['organization', 'createdAt'])
export class VoucherBatchEntity {
  @PrimaryGeneratedColumn('uuid', { name: 'id', primaryKeyConstraintName: 'PK_voucher_batches' })
  id!: string;

  @Column({ name: 'organization', type: 'varchar', length: 128 })
  organization!: string;

  @Column({ name: 'prefix', type: 'varchar', length: 32, default: '' })
  prefix!: string;

  @Column({ name: 'count', type: 'integer' })
  count!: number;

  @Column({ name: 'balance_seconds', type: 'bigint', transformer: bigintToNumber })
  balanceSeconds!: number;

  @Column({ name: 'valid_days', type: 'integer', nullable: true })
  validDays!: number | null;

  @Column({ name: 'max_sessions', type: 'integer', nullable: true })
  maxSessions!: number | null;

  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdBy!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true, createForeignKeyConstraints: true })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'FK_voucher_batches_created_by' })
  creator?: UserEntity | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
