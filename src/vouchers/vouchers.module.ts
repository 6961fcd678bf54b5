import { Module } from '@nestjs/common';
import { AccountingModule } from '../accounting/accounting.module.js';
import { UsersModule } from '../users/users.module.js';
import { VoucherCodeCipher } from './voucher-code-cipher.js';
import { VouchersController } from './vouchers.controller.js';
import { VouchersRepository } from './vouchers.repository.js';
import { VouchersService } from './vouchers.service.js';

/** Voucher batches (/api/v1/vouchers/ and `vouchers:create`). */
@Module({
  imports: [UsersModule, AccountingModule],
  controllers: [VouchersController],
  providers: [VouchersRepository, VouchersService, VoucherCodeCipher],
})
export class VouchersModule {}
