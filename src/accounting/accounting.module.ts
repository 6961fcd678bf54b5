import { AuthThrottleModule } from '../auth/auth-throttle.module.js';
import { Module } from '@nestjs/common';
import { AuthTokensModule } from '../auth-tokens/auth-tokens.module.js';
import { UsersModule } from '../users/users.module.js';
import { AccountingEvents } from './accounting-events.js';
import { AdminResetService } from './admin-reset.service.js';
import { AccountingController } from './accounting.controller.js';
import { AccountingIngestService } from './accounting-ingest.service.js';
import { AccountingQueryService } from './accounting-query.service.js';
import { AccountingReplayService } from './accounting-replay.service.js';
import { AccountingRunService } from './accounting-run.service.js';
import { AccountingRunsRepository } from './accounting-runs.repository.js';
import { AccountingScheduler } from './accounting.scheduler.js';
import { AuthorizeController } from './authorize.controller.js';
import { AuthorizeService } from './authorize.service.js';
import { BalanceRepository } from './balance.repository.js';
import { BalanceService } from './balance.service.js';
import { ChargingRepository } from './charging.repository.js';
import { ExhaustionService } from './exhaustion.service.js';
import { LedgerRepository } from './ledger.repository.js';
import { RejectedRecordsRepository } from './rejected-records.repository.js';
import { SessionsRepository } from './sessions.repository.js';
import { SettlementService } from './settlement.service.js';

@Module({
  imports: [AuthTokensModule, UsersModule, AuthThrottleModule],
  controllers: [AccountingController, AuthorizeController],
  providers: [
    AccountingEvents,
    AdminResetService,
    AccountingIngestService,
    AccountingQueryService,
    AccountingReplayService,
    AccountingRunService,
    AccountingRunsRepository,
    AccountingScheduler,
    AuthorizeService,
    BalanceRepository,
    BalanceService,
    ChargingRepository,
    ExhaustionService,
    LedgerRepository,
    RejectedRecordsRepository,
    SessionsRepository,
    SettlementService,
  ],
  exports: [AccountingEvents, AdminResetService, AccountingIngestService, AccountingReplayService, AuthorizeService, AccountingRunService, AccountingQueryService, AccountingRunsRepository, BalanceService, BalanceRepository],
})
export class AccountingModule {}
