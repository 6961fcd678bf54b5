import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { remainingBalanceSql, staleBeforeAt } from '../accounting/balance-sql.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { voucherExpirySql, voucherFirstUseSql } from './voucher-sql.js';

export interface NewVoucherBatch {
  organization: string;
  prefix: string;
  count: number;
  balanceSeconds: number;
  validDays: number | null;
  maxSessions: number | null;
  createdBy: number | null;
  createdAt: Date;
}

export interface VoucherBatchRow extends NewVoucherBatch {
  id: string;
}

export interface VoucherRow {
  username: string;
  codeSealed: string | null;
  balanceSeconds: number;
  firstUsedAt: Date | null;
  expiresAt: Date | null;
}

const BATCH_COLUMNS = `b.id::text AS id, b.organization AS organization, b.prefix AS prefix, b.count AS count,
  b.balance_seconds::float8 AS "balanceSeconds", b.valid_days AS "validDays", b.max_sessions AS "maxSessions",
  b.created_by AS "createdBy", b.created_at AS "createdAt"`;

/** voucher_batches and vouchers. The subscribers themselves are written by the users module. */
@Injectable()
export class VouchersRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async insertBatch(manager: EntityManager, batch: NewVoucherBatch): Promise<string> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO voucher_batches (organization, prefix, count, balance_seconds, valid_days, max_sessions, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::text AS id`,
      [batch.organization, batch.prefix, batch.count, batch.balanceSeconds, batch.validDays, batch.maxSessions, batch.createdBy, batch.createdAt],
    );
    return rows[0]!.id;
  }

  /** One statement for the whole batch: `userIds[i]` gets `sealedCodes[i]`. */
  async insertVouchers(manager: EntityManager, batchId: string, validDays: number | null, userIds: number[], sealedCodes: (string | null)[]): Promise<void> {
    await manager.query(
      `INSERT INTO vouchers (user_id, batch_id, valid_days, code_sealed)
       SELECT v.user_id, $1::uuid, $2::integer, v.code_sealed FROM unnest($3::integer[], $4::text[]) AS v (user_id, code_sealed)`,
      [batchId, validDays, userIds, sealedCodes],
    );
  }

  /** The organization of a caller's AAA profile (undefined without one). */
  async findBatch(id: string): Promise<VoucherBatchRow | undefined> {
    const rows: VoucherBatchRow[] = await this.dataSource.query(`SELECT ${BATCH_COLUMNS} FROM voucher_batches b WHERE b.id = $1::uuid`, [id]);
    return rows[0];
  }

  /** The batch's vouchers still there, by user id, with their remaining balance at `now`. */
  async findVouchers(batchId: string, now: Date): Promise<VoucherRow[]> {
    const staleBefore = staleBeforeAt(now, this.config.accounting.staleAfterSeconds);
    const rows: (Omit<VoucherRow, 'balanceSeconds'> & { balanceSeconds: string })[] = await this.dataSource.query(
      `SELECT u.username AS username, v.code_sealed AS "codeSealed",
              ${remainingBalanceSql('p', '$2::timestamptz', '$3::timestamptz')} AS "balanceSeconds",
              ${voucherFirstUseSql('u')} AS "firstUsedAt", ${voucherExpirySql('v', 'u')} AS "expiresAt"
         FROM vouchers v JOIN users u ON u.id = v.user_id JOIN aaa_profiles p ON p.user_id = v.user_id
        WHERE v.batch_id = $1::uuid ORDER BY v.user_id`,
      [batchId, now, staleBefore],
    );
    return rows.map((row) => ({ ...row, balanceSeconds: Number(row.balanceSeconds) }));
  }
}
