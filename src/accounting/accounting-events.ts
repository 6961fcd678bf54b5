import { Injectable, Logger } from '@nestjs/common';

export type SessionsExhaustedHandler = (sessionIds: string[]) => Promise<void> | void;

/**
 * Tells other modules what accounting did, after it is committed. The RADIUS module listens for
 * sessions stopped because their subscriber's balance ran out, to send the NAS a Disconnect-Request.
 * A failing listener is logged and never undoes or blocks accounting.
 */
@Injectable()
export class AccountingEvents {
  private readonly logger = new Logger('AccountingEvents');
  private readonly exhaustedHandlers: SessionsExhaustedHandler[] = [];

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
}
