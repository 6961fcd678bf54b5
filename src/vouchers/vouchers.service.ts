import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BalanceService } from '../accounting/balance.service.js';
import type { Principal } from '../auth/policy.js';
import { DomainError } from '../common/errors/domain-error.js';
import { isoUtc } from '../common/http/iso-date.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { inRetriedTransaction } from '../database/transient-conflict.js';
import { PasswordHasher } from '../users/password-hasher.js';
import { isUsernameConflict, UsersRepository } from '../users/users.repository.js';
import type { CreateVoucherBatchDto } from './dto/create-voucher-batch.dto.js';
import type { VoucherBatchDto, VoucherDto } from './dto/voucher-batch.dto.js';
import { mayManageVouchers, maySeeBatch } from './voucher-access.js';
import { assertMayAssignOrganization, scopeOf } from '../auth/organization-scope.js';
import { VoucherCodeCipher } from './voucher-code-cipher.js';
import { generateCode, generateUsernames } from './voucher-codes.js';
import { VouchersRepository, type VoucherBatchRow } from './vouchers.repository.js';

/** Hashes computed at once: the libuv pool's size, so a batch never queues ahead of everyone's logins for long. */
const HASH_CONCURRENCY = 4;
/** A username drawn twice (another batch, a subscriber) fails the batch's insert: new usernames, at most this many tries. */
const USERNAME_ATTEMPTS = 3;

/** Who asks: an API caller (its rights checked), or the CLI (the operator on the host). */
export type VoucherActor = { principal: Principal } | { cli: true };

/** Runs `work` over `items` with at most `concurrency` at a time, keeping the order. */
async function mapConcurrently<T, R>(items: readonly T[], concurrency: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Voucher batches: many subscribers at once, each with a code as its password, created in one
 * transaction with set-based statements (no per-voucher round trip).
 */
@Injectable()
export class VouchersService {
  private readonly logger = new Logger(VouchersService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly vouchers: VouchersRepository,
    private readonly users: UsersRepository,
    private readonly balances: BalanceService,
    private readonly hasher: PasswordHasher,
    private readonly cipher: VoucherCodeCipher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The batch with every code, shown in full this once (and again later only if SECRETS_KEY keeps them). */
  async create(actor: VoucherActor, input: CreateVoucherBatchDto): Promise<VoucherBatchDto> {
    if ('principal' in actor) {
      if (!mayManageVouchers(actor.principal)) throw DomainError.permissionDenied();
      assertMayAssignOrganization(scopeOf(actor.principal), input.organization);
    }
    const started = performance.now();
    const codes = Array.from({ length: input.count }, generateCode);
    const passwordHashes = await mapConcurrently(codes, HASH_CONCURRENCY, (code) => this.hasher.hashVoucherCode(code));
    const sealedCodes = codes.map((code) => this.cipher.protect(code));
    const hashed = performance.now();
    const now = this.clock.now();
    const batch = {
      organization: input.organization,
      prefix: input.prefix ?? '',
      count: input.count,
      balanceSeconds: input.balance_seconds,
      validDays: input.valid_days ?? null,
      maxSessions: input.max_sessions ?? null,
      createdBy: 'principal' in actor ? actor.principal.userId : null,
      createdAt: now,
    };
    for (let attempt = 1; ; attempt += 1) {
      const usernames = generateUsernames(batch.prefix, input.count);
      try {
        const id = await inRetriedTransaction(this.dataSource, async (manager) => {
          const batchId = await this.vouchers.insertBatch(manager, batch);
          const ids = await this.users.insertSubscribers(manager, {
            usernames,
            passwordHashes,
            organization: batch.organization,
            balanceSeconds: batch.balanceSeconds,
            maxSessions: batch.maxSessions,
            tokenLifetime: this.config.tokenLifetimeDefaultSeconds,
            now,
          });
          const userIds = usernames.map((username) => ids.get(username)!);
          await this.balances.recordOpeningBalances(manager, userIds, batch.balanceSeconds, { actorUserId: batch.createdBy, reason: `voucher batch ${batchId}` });
          await this.vouchers.insertVouchers(manager, batchId, batch.validDays, userIds, sealedCodes);
          return batchId;
        });
        this.logger.log(
          `Voucher batch ${id}: ${input.count} voucher(s) for "${batch.organization}" in ${Math.round(performance.now() - started)} ms ` +
            `(hashing ${Math.round(hashed - started)} ms).`,
        );
        const vouchers = usernames.map((username, i): VoucherDto => ({
          username, code: codes[i]!, balance_seconds: batch.balanceSeconds, first_used_at: null, expires_at: null,
        }));
        return toBatchDto({ ...batch, id }, this.cipher.keepsCodes, vouchers);
      } catch (error) {
        if (!isUsernameConflict(error) || attempt === USERNAME_ATTEMPTS) throw error;
      }
    }
  }

  /** The batch and its vouchers as they are now. Not visible to the caller: 404, as if it did not exist. */
  async retrieve(principal: Principal, id: string): Promise<VoucherBatchDto> {
    const batch = await this.vouchers.findBatch(id);
    if (!batch || !maySeeBatch(principal, batch.organization)) throw DomainError.notFound();
    const rows = await this.vouchers.findVouchers(batch.id, this.clock.now());
    const vouchers = rows.map((row): VoucherDto => ({
      username: row.username,
      code: this.cipher.reveal(row.codeSealed),
      balance_seconds: row.balanceSeconds,
      first_used_at: row.firstUsedAt && isoUtc(row.firstUsedAt),
      expires_at: row.expiresAt && isoUtc(row.expiresAt),
    }));
    return toBatchDto(batch, rows.some((row) => row.codeSealed !== null), vouchers);
  }
}

function toBatchDto(batch: VoucherBatchRow, codesKept: boolean, vouchers: VoucherDto[]): VoucherBatchDto {
  return {
    id: batch.id,
    organization: batch.organization,
    prefix: batch.prefix,
    count: batch.count,
    balance_seconds: Number(batch.balanceSeconds),
    valid_days: batch.validDays,
    max_sessions: batch.maxSessions,
    created_at: isoUtc(batch.createdAt),
    codes_kept: codesKept,
    vouchers,
  };
}
