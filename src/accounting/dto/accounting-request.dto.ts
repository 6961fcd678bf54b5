import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The answer to POST /api/v1/accounting/ (its body is described in accounting-request.schema.ts). */
export class AccountingResultDto {
  @ApiProperty({ enum: ['started', 'updated', 'created', 'stopped', 'duplicate', 'ignored', 'nas_reboot', 'quarantined'], description: 'started/created: new session; updated: interim applied; stopped: closed and charged; duplicate: a retransmit, nothing changed; ignored: interim after stop; nas_reboot: the NAS\'s open sessions were closed; quarantined: the subscriber is of another organization than the gateway\'s, the record was kept in accounting_rejected and charged nobody.' })
  result!: string;

  @ApiPropertyOptional({ description: "The session's Acct-Unique-Session-Id (md5 of user, session id and NAS identity)." })
  acct_unique_id?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Accounting-On/Off only.' })
  sessions_closed?: number;
}
