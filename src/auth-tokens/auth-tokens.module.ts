import { Module } from '@nestjs/common';
import { AuthTokensRepository } from './auth-tokens.repository.js';
import { AuthTokensService } from './auth-tokens.service.js';

@Module({
  controllers: [],
  providers: [AuthTokensRepository, AuthTokensService],
  exports: [AuthTokensService],
})
export class AuthTokensModule {}
