import { ApiProperty } from '@nestjs/swagger';

export class SessionDto {
  @ApiProperty({ type: 'integer' }) id!: number;
  @ApiProperty() acct_unique_id!: string;
  @ApiProperty() acct_session_id!: string;
  @ApiProperty({ description: 'User-Name as the NAS reported it.' }) username!: string;
  @ApiProperty() nas_identifier!: string;
  @ApiProperty({ type: 'string', nullable: true }) nas_ip_address!: string | null;
  @ApiProperty() nas_port_id!: string;
  @ApiProperty({ description: 'MAC address of the client.' }) calling_station_id!: string;
  @ApiProperty() called_station_id!: string;
  @ApiProperty({ type: 'string', nullable: true }) framed_ip_address!: string | null;
  @ApiProperty({ format: 'date-time' }) started_at!: string;
  @ApiProperty({ format: 'date-time' }) last_update_at!: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) stopped_at!: string | null;
  @ApiProperty({ type: 'integer', description: 'Seconds as reported (final once closed).' }) session_time!: number;
  @ApiProperty({ type: 'integer', format: 'int64', description: 'Octets + Gigawords × 2^32.' }) input_octets!: number;
  @ApiProperty({ type: 'integer', format: 'int64' }) output_octets!: number;
  @ApiProperty({ type: 'integer', description: 'Seconds charged so far, overage included.' }) charged_seconds!: number;
  @ApiProperty({ type: 'integer', description: 'Seconds used after the balance reached 0 (not paid).' }) overage_seconds!: number;
  @ApiProperty({ enum: ['open', 'closed'] }) status!: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'User-Request', description: 'Acct-Terminate-Cause: its name when known, else the number.' }) terminate_cause!: string | null;
  @ApiProperty({ description: 'The NAS reported an Acct-Session-Time longer than the session can have lasted; it was clamped (ACCOUNTING_MAX_SESSION_SECONDS for a session first seen at Interim-Update/Stop).' })
  session_time_clamped!: boolean;
  @ApiProperty({ type: 'integer', description: 'Live: seconds since the session started, by the server clock (its final duration once closed).' })
  seconds_so_far!: number;
  @ApiProperty({ type: 'integer', description: 'Live: seconds the session has cost so far, overage included (what settling it now would charge; its charge once closed).' })
  charged_so_far!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'The NAS client the session is bound to (the one that reported it): its name.' })
  nas_client_name!: string | null;
  @ApiProperty({ type: 'string', nullable: true, example: '192.0.2.10', description: 'That NAS client\'s address (or network).' })
  nas_client_address!: string | null;
  @ApiProperty({ type: 'string', nullable: true, enum: ['pending', 'ack', 'nak', 'timeout', 'no_nas'], description: 'The Disconnect-Request (RFC 5176) sent for the session: its outcome.' })
  disconnect_status!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Disconnect-NAK\'s Error-Cause, or why nothing could be sent.' })
  disconnect_error!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) disconnect_at!: string | null;
  @ApiProperty({ type: 'string', nullable: true, enum: ['ack', 'nak', 'timeout', 'no_nas', 'disabled'], description: 'The latest CoA-Request (new Session-Timeout after a balance change): its outcome.' })
  coa_status!: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'CoA-NAK\'s Error-Cause, or why nothing could be sent.' })
  coa_error!: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) coa_at!: string | null;
  @ApiProperty({ type: 'integer', nullable: true, description: 'The Session-Timeout that CoA-Request carried.' })
  coa_session_timeout!: number | null;
}

export class SessionPageDto {
  @ApiProperty({ type: 'integer' }) count!: number;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) next!: string | null;
  @ApiProperty({ type: 'string', format: 'uri', nullable: true }) previous!: string | null;
  @ApiProperty({ type: [SessionDto] }) results!: SessionDto[];
}
