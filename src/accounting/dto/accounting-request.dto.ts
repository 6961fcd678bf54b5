import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { GIGAWORDS_MAX, TERMINATE_CAUSES } from '../radius-attributes.js';

/**
 * Documentation of the accounting body: a JSON object keyed by RADIUS attribute names, as
 * FreeRADIUS's rlm_rest sends it. Each value may be plain (`"alice"`, `120`) or rlm_rest's typed
 * form (`{"type": "string", "value": ["alice"]}`). Other attributes a NAS sends are accepted and ignored.
 * Only identifying and timing attributes refuse a record when invalid; an informational one that does
 * not parse (octets, Gigawords, Framed-IP-Address, Calling/Called-Station-Id, NAS-Port-Id,
 * Acct-Terminate-Cause, Class) is ignored.
 */
export class AccountingRequestDto {
  @ApiProperty({ name: 'Acct-Status-Type', enum: ['Start', 'Interim-Update', 'Stop', 'Accounting-On', 'Accounting-Off', 'Alive'], description: 'Name, or the RFC 2866 number (1, 3, 2, 7, 8).' })
  'Acct-Status-Type'!: string;

  @ApiPropertyOptional({ name: 'User-Name', maxLength: 253, description: 'Required except for Accounting-On/Off.' })
  'User-Name'?: string;

  @ApiPropertyOptional({ name: 'Acct-Session-Id', maxLength: 253, description: 'Required except for Accounting-On/Off.' })
  'Acct-Session-Id'?: string;

  @ApiPropertyOptional({ name: 'NAS-Identifier', maxLength: 253, description: 'NAS-Identifier or NAS-IP-Address is required.' })
  'NAS-Identifier'?: string;

  @ApiPropertyOptional({ name: 'NAS-IP-Address', format: 'ipv4', example: '192.0.2.10' })
  'NAS-IP-Address'?: string;

  @ApiPropertyOptional({ name: 'NAS-IPv6-Address', format: 'ipv6', example: '2001:db8::1', description: "Part of the session's identity (used instead of NAS-IP-Address when sent)." })
  'NAS-IPv6-Address'?: string;

  @ApiPropertyOptional({ name: 'NAS-Port', type: 'integer', minimum: 0, maximum: 4294967295, description: "Part of the session's identity." })
  'NAS-Port'?: number;

  @ApiPropertyOptional({ name: 'NAS-Port-Id', maxLength: 253 })
  'NAS-Port-Id'?: string;

  @ApiPropertyOptional({ name: 'Acct-Unique-Session-Id', maxLength: 253, description: "FreeRADIUS's session id (rlm_rest sends it): used as the session's identity when present." })
  'Acct-Unique-Session-Id'?: string;

  @ApiPropertyOptional({ name: 'Class', description: 'Octets (rlm_rest: `0x…` hex). FreeRADIUS\'s own `ai:<md5>` Class identifies the session, as its acct_unique policy does.' })
  'Class'?: string;

  @ApiPropertyOptional({ name: 'Calling-Station-Id', description: "The client's MAC address.", example: '00-11-22-33-44-55' })
  'Calling-Station-Id'?: string;

  @ApiPropertyOptional({ name: 'Called-Station-Id', example: '66-77-88-99-AA-BB:hotspot' })
  'Called-Station-Id'?: string;

  @ApiPropertyOptional({ name: 'Framed-IP-Address', example: '10.1.2.3' })
  'Framed-IP-Address'?: string;

  @ApiPropertyOptional({ name: 'Acct-Session-Time', type: 'integer', minimum: 0, maximum: 4294967295, description: 'Seconds so far (Interim-Update) or in total (Stop).' })
  'Acct-Session-Time'?: number;

  @ApiPropertyOptional({ name: 'Acct-Input-Octets', type: 'integer', minimum: 0, maximum: 4294967295 })
  'Acct-Input-Octets'?: number;

  @ApiPropertyOptional({ name: 'Acct-Output-Octets', type: 'integer', minimum: 0, maximum: 4294967295 })
  'Acct-Output-Octets'?: number;

  @ApiPropertyOptional({ name: 'Acct-Input-Gigawords', type: 'integer', minimum: 0, maximum: GIGAWORDS_MAX, description: 'Times Acct-Input-Octets wrapped past 2^32 (at most 2^31 − 1: the 64-bit counter is stored as a signed bigint).' })
  'Acct-Input-Gigawords'?: number;

  @ApiPropertyOptional({ name: 'Acct-Output-Gigawords', type: 'integer', minimum: 0, maximum: GIGAWORDS_MAX })
  'Acct-Output-Gigawords'?: number;

  @ApiPropertyOptional({
    name: 'Acct-Terminate-Cause',
    examples: [...TERMINATE_CAUSES],
    description: 'Name or number (RFC 2866 1–18, RFC 3580 19–22). Any cause is stored: its name when known, else the number.',
  })
  'Acct-Terminate-Cause'?: string | number;

  @ApiPropertyOptional({
    name: 'Event-Timestamp',
    description:
      'Unix time in seconds; FreeRADIUS\'s printed local time (rlm_rest sends "Dec  1 2026 08:43:46 CET"); ISO 8601 with an offset; or the HTTP date. ' +
      'A zone abbreviation meaning several offsets (CST, IST, PST…) falls back to arrival time − Acct-Delay-Time. Bounded by the server clock.',
    example: 1795575600,
  })
  'Event-Timestamp'?: number | string;

  @ApiPropertyOptional({ name: 'Acct-Delay-Time', type: 'integer', minimum: 0, description: 'Seconds the NAS has been trying to send this record; used when Event-Timestamp is absent.' })
  'Acct-Delay-Time'?: number;
}

export class AccountingResultDto {
  @ApiProperty({ enum: ['started', 'updated', 'created', 'stopped', 'duplicate', 'ignored', 'nas_reboot'], description: 'started/created: new session; updated: interim applied; stopped: closed and charged; duplicate: a retransmit, nothing changed; ignored: interim after stop; nas_reboot: the NAS\'s open sessions were closed.' })
  result!: string;

  @ApiPropertyOptional({ description: "The session's Acct-Unique-Session-Id, as FreeRADIUS 3.2's acct_unique policy computes it (or as sent)." })
  acct_unique_id?: string;

  @ApiPropertyOptional({ type: 'integer', description: 'Accounting-On/Off only.' })
  sessions_closed?: number;
}
