import { ApiProperty } from '@nestjs/swagger';

/** An account as `/api/users/` shows it (Waldur's user fields). Never carries the password hash. */
export class UserResponseDto {
  @ApiProperty({ type: String, format: 'uri', example: 'https://api.example.com/api/users/3fa85f6457174562b3fc2c963f66afa6/' })
  url!: string;

  @ApiProperty({ type: String, description: '32 hexadecimal characters.', example: '3fa85f6457174562b3fc2c963f66afa6' })
  uuid!: string;

  @ApiProperty({ type: String, example: 'jane_smith' })
  username!: string;

  @ApiProperty({ type: String, example: 'jane@example.com' })
  email!: string;

  @ApiProperty({ type: String, example: 'Jane' })
  first_name!: string;

  @ApiProperty({ type: String, example: 'Smith' })
  last_name!: string;

  @ApiProperty({ type: String, example: 'Jane Smith' })
  full_name!: string;

  @ApiProperty({ type: Boolean })
  is_active!: boolean;

  @ApiProperty({ type: Boolean })
  is_staff!: boolean;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Token lifetime in seconds; null: never expires.', example: 3600 })
  token_lifetime!: number | null;

  @ApiProperty({ type: String, format: 'date-time', example: '2024-01-15T10:30:00Z' })
  date_joined!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null })
  last_login!: string | null;
}
