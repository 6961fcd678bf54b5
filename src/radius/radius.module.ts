import { Module } from '@nestjs/common';
import { AccountingModule } from '../accounting/accounting.module.js';
import { sendDisconnectRequest } from './disconnect-client.js';
import { DISCONNECT_SENDER, DisconnectService } from './disconnect.service.js';
import { NasClientsController } from './nas-clients.controller.js';
import { NasClientsRepository } from './nas-clients.repository.js';
import { NasClientsService } from './nas-clients.service.js';
import { NasDirectory } from './nas-directory.js';
import { NasSecretCipher } from './nas-secret-cipher.js';
import { RadiusRequestsService } from './radius-requests.service.js';
import { RadiusServer } from './radius-server.js';
import { RadiusSessionsRepository } from './radius-sessions.repository.js';

/**
 * RADIUS (RFC 2865/2866) on the accounting core: the NAS clients (/api/v1/nas/), the UDP listeners
 * (RADIUS_ENABLED=true) and Disconnect-Requests (RFC 5176) when a balance runs out.
 */
@Module({
  imports: [AccountingModule],
  controllers: [NasClientsController],
  providers: [
    NasClientsRepository,
    NasClientsService,
    NasDirectory,
    NasSecretCipher,
    RadiusRequestsService,
    RadiusServer,
    RadiusSessionsRepository,
    DisconnectService,
    { provide: DISCONNECT_SENDER, useValue: sendDisconnectRequest },
  ],
  exports: [NasClientsService, DisconnectService, RadiusServer],
})
export class RadiusModule {}
