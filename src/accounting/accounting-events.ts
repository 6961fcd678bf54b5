import { Injectable, Logger } from '@nestjs/common';

export type SessionsExhaustedHandler = (sessionIds: string[]) => Promise<void> | void;
export type BalancesChangedHandler = (userIds: number[]) => Promise<void> | void;

/**
 * Tells other modules what accounting did, after it is committed. The RADIUS module listens for
 * sessions stopped because their subscriber's balance ran out, to send the NAS a Disconnect-Request,
 * and for balances changed by hand (top-ups, corrections, vouchers), to send CoA-Requests with the
 * new Session-Timeout. A failing listener is logged and never undoes or blocks accounting.
 */
@Injectable()
export class AccountingEvents {
  private readonly logger = new Logger('AccountingEvents');
  private readonly exhaustedHandlers: SessionsExhaustedHandler[] = [];
  private readonly balanceHandlers: BalancesChangedHandler[] = [];

  onSessionsExhausted(handler: SessionsExhaustedHandler): void {
    this.exhaustedHandlers.push(handler);
  }

  async sessionsExhausted(sessionIds: string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    for (const handler of this.exhaustedHandlers) {
      try {
        await handler(sessionIds);
      } catch (error) {
        this.logger.error(`A sessions-exhausted listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  onBalancesChanged(handler: BalancesChangedHandler): void {
    this.balanceHandlers.push(handler);
  }

  /**
   * Call once a transaction that changed these subscribers' balances has COMMITTED (BalanceService
   * does for its own transactions; a caller that passed its own manager, or changed balance_seconds
   * another way such as redeeming a voucher, calls this after its commit). Their open sessions' NAS
   * get the new Session-Timeout (CoaService), in the background.
   */
  async balancesChanged(userIds: number[]): Promise<void> {
    if (userIds.length === 0) return;
    for (const handler of this.balanceHandlers) {
      try {
        await handler(userIds);
      } catch (error) {
        this.logger.error(`A balances-changed listener failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}
