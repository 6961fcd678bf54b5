import { ApiProperty } from '@nestjs/swagger';

/** A freshly issued API key: send it as `Authorization: Token <key>` (or `Bearer <key>`). */
export class TokenDto {
  @ApiProperty({
    type: String,
    readOnly: true,
    pattern: '^[0-9a-f]{40}$',
    description: 'The new API key (40 hex characters). Shown once: only its hash is stored.',
    example: '9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b',
  })
  token!: string;
}
