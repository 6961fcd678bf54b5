import { Check, Column, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity.js';
import { VoucherBatchEntity } from './voucher-batch.entity.js';

/** A subscriber that is a voucher: its batch, its validity from first use, and its code sealed under SECRETS_KEY (or null). */
@Entity('vouchers')
@Check('CHK_vouchers_valid_days', '"valid_days" >= 1')
@Index('IDX_vouchers_batch', ['batchId', 'userId'])
export class VoucherEntity {
  @PrimaryColumn({ name: 'user_id', type: 'integer', primaryKeyConstraintName: 'PK_vouchers' })
  userId!: number;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'FK_vouchers_user' })
  user?: UserEntity;

  @Column({ name: 'batch_id', type: 'uuid' })
  batchId!: string;

  @ManyToOne(() => VoucherBatchEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'batch_id', foreignKeyConstraintName: 'FK_vouchers_batch' })
  batch?: VoucherBatchEntity;

  /** Days usable from the first session (authorize answers `voucher_expired` after); null: no limit. */
  @Column({ name: 'valid_days', type: 'integer', nullable: true })
  validDays!: number | null;

  @Column({ name: 'code_sealed', type: 'text', nullable: true })
  codeSealed!: string | null;
}
