import { isoUtc } from '../common/http/iso-date.js';
import type { UserResponseDto } from './dto/user-response.dto.js';
import type { UserEntity } from './user.entity.js';
import { userUrl, uuidHex } from './user-uuid.js';

/** The entity → the API's field set, in the documented order (the hash and internal columns stay behind). */
export function toUserResponse(user: UserEntity, publicUrl: string): UserResponseDto {
  return {
    url: userUrl(publicUrl, user.uuid),
    uuid: uuidHex(user.uuid),
    username: user.username,
    email: user.email,
    first_name: user.firstName,
    last_name: user.lastName,
    full_name: `${user.firstName} ${user.lastName}`.trim(),
    is_active: user.isActive,
    is_staff: user.isStaff,
    token_lifetime: user.tokenLifetime,
    date_joined: isoUtc(user.dateJoined),
    last_login: isoUtc(user.lastLogin),
  };
}
