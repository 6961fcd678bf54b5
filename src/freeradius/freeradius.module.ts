import { Module } from '@nestjs/common';
import { AccountingModule } from '../accounting/accounting.module.js';
import { FreeradiusController } from './freeradius.controller.js';
import { FreeradiusService } from './freeradius.service.js';

/** The REST backend of a stock FreeRADIUS 3.2 with rlm_rest (configuration in deploy/freeradius/). */
@Module({
  imports: [AccountingModule],
  controllers: [FreeradiusController],
  providers: [FreeradiusService],
})
export class FreeradiusModule {}
