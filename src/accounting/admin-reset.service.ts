import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Clock } from '../common/time/clock.js';
import { inRetriedTransaction } from '../database/transient-conflict.js';
import { ChargingRepository } from './charging.repository.js';
import { SessionsRepository } from './sessions.repository.js';
import { SettlementService } from './settlement.service.js';

/**
 * Closes a session its NAS acknowledged disconnecting at an admin's request: as Admin-Reset at the
 * moment of the Disconnect-ACK, charged exactly through the one settlement step, with the
 * subscriber's profile locked (the lock order of every balance write), retried on deadlock. A
 * session already closed (its Stop came first) is left as it is.
 */
@Injectable()
export class AdminResetService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsRepository,
    private readonly charging: ChargingRepository,
    private readonly settlement: SettlementService,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** True when this call closed the session. */
  async close(sessionId: string): Promise<boolean> {
    const at = this.clock.now();
    const settled = await inRetriedTransaction(this.dataSource, async (manager) => {
      const userId = await this.sessions.findSessionUserId(manager, sessionId);
      const locked = userId === null ? [] : await this.charging.lockProfiles(manager, [userId]);
      return this.settlement.settle(manager, locked, { kind: 'admin-reset', sessionIds: [sessionId], at }, at);
    });
    return settled.closedIds.length > 0;
  }
}
