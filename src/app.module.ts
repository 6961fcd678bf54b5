import { Module, type DynamicModule } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountingModule } from './accounting/accounting.module.js';
import { AaaProfilesModule } from './aaa-profiles/aaa-profiles.module.js';
import { AuthTokensModule } from './auth-tokens/auth-tokens.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CommonModule } from './common/common.module.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { buildDataSourceOptions } from './database/data-source-options.js';
import { FreeradiusModule } from './freeradius/freeradius.module.js';
import { HealthModule } from './health/health.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { RadiusModule } from './radius/radius.module.js';
import { UsersModule } from './users/users.module.js';
import { VouchersModule } from './vouchers/vouchers.module.js';

@Module({})
export class AppModule {
  /** `config.databaseUrl` must be resolved (DATABASE_URL or the embedded server) before this is built. */
  static forRoot(config: AppConfig & { databaseUrl: string }): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CommonModule,
        ObservabilityModule,
        TypeOrmModule.forRoot(buildDataSourceOptions(config.databaseUrl, config.databasePoolSize)),
        ScheduleModule.forRoot(),
        AuthModule,
        UsersModule,
        AuthTokensModule,
        AaaProfilesModule,
        VouchersModule,
        AccountingModule,
        FreeradiusModule,
        HealthModule,
        RadiusModule,
      ],
    };
  }
}
