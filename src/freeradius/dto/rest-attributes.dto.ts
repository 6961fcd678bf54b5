import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** rlm_rest's JSON body: every attribute of the request as `{"type", "value": [...]}`. */
export class RestRequestDto {
  @ApiProperty({ name: 'User-Name', example: { type: 'string', value: ['jane_smith'] }, description: 'Required.' })
  'User-Name'!: unknown;

  @ApiPropertyOptional({
    name: 'User-Password',
    example: { type: 'string', value: ['correct horse battery'] },
    description: "PAP: the subscriber's password, or one of its live keys. Without it the request is rejected.",
  })
  'User-Password'?: unknown;
}

/** 200: accepted. rlm_rest copies each `list:attribute` into the request (control) or the Access-Accept (reply). */
export class RestAcceptDto {
  @ApiProperty({ name: 'control:Auth-Type', enum: ['Accept'] }) 'control:Auth-Type'!: string;
  @ApiProperty({ name: 'reply:Session-Timeout', type: 'integer', description: 'The remaining balance in seconds.' }) 'reply:Session-Timeout'!: number;
  @ApiProperty({ name: 'reply:Acct-Interim-Interval', type: 'integer', description: 'ACCT_INTERIM_INTERVAL_SECONDS.' }) 'reply:Acct-Interim-Interval'!: number;
  @ApiProperty({ name: 'reply:Reply-Message', example: 'Welcome, jane_smith: 2 h 0 min 0 s left.' }) 'reply:Reply-Message'!: string;
}

/** 401: rejected; rlm_rest puts the Reply-Message in the Access-Reject. */
export class RestRejectDto {
  @ApiProperty({ name: 'control:Auth-Type', enum: ['Reject'] }) 'control:Auth-Type'!: string;
  @ApiProperty({
    name: 'reply:Reply-Message',
    description: 'Why: `No time left on this account.`, `Token has expired.`, `User inactive or deleted.`, `Invalid username, password or token.` (an unknown user and a wrong password alike), `Too many failed attempts; retry in N s.` or `Only PAP (User-Password) is supported.`',
  })
  'reply:Reply-Message'!: string;
}
