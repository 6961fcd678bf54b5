import { AccountingRejectedEntity } from '../accounting/accounting-rejected.entity.js';
import { AccountingRunEntity } from '../accounting/accounting-run.entity.js';
import { AccountingSessionEntity } from '../accounting/accounting-session.entity.js';
import { BalanceLedgerEntity } from '../accounting/balance-ledger.entity.js';
import { AaaProfileEntity } from '../aaa-profiles/aaa-profile.entity.js';
import { AuthThrottleEntity } from '../auth/auth-throttle.entity.js';
import { AuthTokenEntity } from '../auth-tokens/auth-token.entity.js';
import { NasClientEntity } from '../radius/nas-client.entity.js';
import { UserEntity } from '../users/user.entity.js';
import { VoucherBatchEntity } from '../vouchers/voucher-batch.entity.js';
import { VoucherEntity } from '../vouchers/voucher.entity.js';

/** Every entity, listed once for the service, the CLI and the migration data source. */
export const ENTITIES = [
  UserEntity,
  AaaProfileEntity,
  AuthTokenEntity,
  AccountingSessionEntity,
  BalanceLedgerEntity,
  AccountingRunEntity,
  NasClientEntity,
  AccountingRejectedEntity,
  AuthThrottleEntity,
  VoucherBatchEntity,
  VoucherEntity,
];
