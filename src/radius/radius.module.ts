import { Module } from '@nestjs/common';
import { AccountingModule } from '../accounting/accounting.module.js';
import { COA_SENDER, CoaService } from './coa.service.js';
import { sendCoaRequest, sendDisconnectRequest } from './disconnect-client.js';
import { DISCONNECT_SENDER, DisconnectService } from './disconnect.service.js';
import { NasClientsController } from './nas-clients.controller.js';
import { NasClientsRepository } from './nas-clients.repository.js';
import { NasClientsService } from './nas-clients.service.js';
import { NasDirectory } from './nas-directory.js';
import { NasSecretCipher } from './nas-secret-cipher.js';
import { RadiusRequestsService } from './radius-requests.service.js';
import { RadiusServer } from './radius-server.js';
import { RadiusSessionsRepository } from './radius-sessions.repository.js';
import { SessionDisconnectController } from './session-disconnect.controller.js';
import { SessionDisconnectService } from './session-disconnect.service.js';

/**
 * RADIUS (RFC 2865/2866) on the accounting core: the NAS clients (/api/v1/nas/), the UDP listeners
 * (RADIUS_ENABLED=true), Disconnect-Requests (RFC 5176) when a balance runs out or an admin cuts a
 * session off (POST /api/v1/accounting/sessions/{id}/disconnect/), and CoA-Requests when a balance changes.
 */
@Module({
  imports: [AccountingModule],
  controllers: [NasClientsController, SessionDisconnectController],
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
    CoaService,
    { provide: COA_SENDER, useValue: sendCoaRequest },
    SessionDisconnectService,
  ],
  exports: [NasClientsService, DisconnectService, CoaService, RadiusServer],
})
export class RadiusModule {}
