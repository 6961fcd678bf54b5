import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Role, ROLES } from '../../auth/policy.js';

/** The AAA profile as the user_token API shows it. */
export class UserTokenProfileDto {
  @ApiProperty({ example: 'jane@techsolutions.com' })
  email!: string;

  @ApiProperty({ enum: ROLES, enumName: 'Role', example: Role.User })
  role!: Role;

  @ApiProperty({ type: [String], example: ['read', 'write'] })
  permissions!: string[];

  @ApiProperty({ type: 'integer', nullable: true, example: null, description: 'Simultaneous-use limit: sessions open at once; null: no limit.' })
  max_sessions!: number | null;
}

/** A subscriber in `GET /api/v1/user_token/` and `GET /api/v1/user_token/{id}/`. */
export class UserTokenDto {
  @ApiProperty({ type: 'integer', example: 15, description: "The subscriber's user id." })
  id!: number;

  @ApiProperty({ example: 'jane_smith' })
  username!: string;

  @ApiProperty({ example: 'tech_solutions' })
  organization!: string;

  @ApiProperty({ format: 'date-time', example: '2024-01-21T09:15:00Z', description: 'When the account was created.' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2024-01-21T11:30:00Z' })
  last_login!: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    example: 6840,
    description: 'Remaining balance in seconds; present only when the request has `balance=true`.',
  })
  balance_seconds?: number;

  @ApiProperty({ type: UserTokenProfileDto })
  profile!: UserTokenProfileDto;
}

/** DRF's LimitOffsetPagination envelope around the subscribers. */
export class UserTokenListDto {
  @ApiProperty({ type: 'integer', example: 25 })
  count!: number;

  @ApiProperty({ type: String, format: 'uri', nullable: true, example: 'https://gate.zequenze.com/api/v1/user_token/?limit=10&offset=10' })
  next!: string | null;

  @ApiProperty({ type: String, format: 'uri', nullable: true, example: null })
  previous!: string | null;

  @ApiProperty({ type: [UserTokenDto] })
  results!: UserTokenDto[];
}

/** `POST /api/v1/user_token/` (201): the new subscriber with its key, shown this once only. */
export class CreatedUserTokenDto {
  @ApiProperty({ type: 'integer', example: 15 })
  id!: number;

  @ApiProperty({ example: 'jane_smith' })
  username!: string;

  @ApiProperty({ example: 'tech_solutions' })
  organization!: string;

  @ApiProperty({ format: 'date-time', example: '2024-01-21T09:15:00Z' })
  created_at!: string;

  @ApiProperty({
    example: '9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b',
    description: 'The API key (use as `Authorization: Bearer <key>` or `Token <key>`). Only its hash is stored: it is never shown again.',
  })
  token!: string;

  @ApiProperty({ type: UserTokenProfileDto })
  profile!: UserTokenProfileDto;
}

/** `PUT` / `PATCH /api/v1/user_token/{id}/` (200). */
export class UpdatedUserTokenDto {
  @ApiProperty({ type: 'integer', example: 15 })
  id!: number;

  @ApiProperty({ example: 'jane_smith_updated' })
  username!: string;

  @ApiProperty({ example: 'tech_solutions' })
  organization!: string;

  @ApiProperty({ format: 'date-time', example: '2024-01-21T12:00:00Z' })
  updated_at!: string;

  @ApiProperty({ type: UserTokenProfileDto })
  profile!: UserTokenProfileDto;
}
