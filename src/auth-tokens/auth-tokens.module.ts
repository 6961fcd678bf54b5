import { Module } from '@nestjs/common';
import { AuthTokensController } from './auth-tokens.controller.js';
import { AuthTokensRepository } from './auth-tokens.repository.js';
import { AuthTokensService } from './auth-tokens.service.js';

@Module({
  controllers: [AuthTokensController],
  providers: [AuthTokensRepository, AuthTokensService],
  exports: [AuthTokensService],
})
export class AuthTokensModule {}
