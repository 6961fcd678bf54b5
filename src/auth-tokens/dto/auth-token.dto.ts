import { ApiProperty } from '@nestjs/swagger';
import { USERNAME_MAX_LENGTH } from '../../users/user-rules.js';

/**
 * One auth token as Waldur's `/api/auth-tokens/` shows it: the token's owner, never the key
 * (only its hash is stored). Fields are serialized in declaration order.
 */
export class AuthTokenDto {
  @ApiProperty({
    type: String,
    format: 'uri',
    readOnly: true,
    example: 'https://api.example.com/api/auth-tokens/123/',
  })
  url!: string;

  @ApiProperty({
    type: String,
    format: 'date-time',
    readOnly: true,
    description: 'When the current key was issued (a login issues a new one).',
    example: '2024-01-15T10:30:00Z',
  })
  created!: string;

  @ApiProperty({
    type: String,
    format: 'uri',
    readOnly: true,
    description: "The token's owner.",
    example: 'https://api.example.com/api/users/3fa85f6457174562b3fc2c963f66afa6/',
  })
  user!: string;

  @ApiProperty({ type: String, readOnly: true, example: 'John' })
  user_first_name!: string;

  @ApiProperty({ type: String, readOnly: true, example: 'Doe' })
  user_last_name!: string;

  @ApiProperty({
    type: String,
    readOnly: true,
    maxLength: USERNAME_MAX_LENGTH,
    pattern: '^[a-z0-9@.+_-]+$',
    description: 'Required. 128 characters or fewer. Lowercase letters, numbers and @/./+/-/_ characters',
    example: 'john_doe',
  })
  user_username!: string;

  @ApiProperty({
    type: Boolean,
    readOnly: true,
    description: 'Designates whether this user should be treated as active. Unselect this instead of deleting accounts.',
    example: true,
  })
  user_is_active!: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    readOnly: true,
    description: 'Token lifetime in seconds; null: the token never expires.',
    example: 3600,
  })
  user_token_lifetime!: number | null;
}
