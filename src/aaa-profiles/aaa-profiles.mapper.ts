import { isoUtc } from '../common/http/iso-date.js';
import type { SubscriberRecord } from './aaa-profiles.repository.js';
import type { CreatedUserTokenDto, UpdatedUserTokenDto, UserTokenDto, UserTokenProfileDto } from './dto/response.dto.js';

/** Subscriber records → the user_token API's response bodies, keys in the seed's order. */

function toProfile(record: Pick<SubscriberRecord, 'email' | 'role' | 'permissions' | 'maxSessions'>): UserTokenProfileDto {
  return { email: record.email, role: record.role, permissions: [...record.permissions], max_sessions: record.maxSessions };
}

/** `balance_seconds` is present only when the record carries it (the request asked `balance=true`). */
export function toUserTokenDto(record: SubscriberRecord): UserTokenDto {
  return {
    id: record.id,
    username: record.username,
    organization: record.organization,
    created_at: isoUtc(record.dateJoined),
    last_login: isoUtc(record.lastLogin),
    ...(record.balanceSeconds === undefined ? {} : { balance_seconds: record.balanceSeconds }),
    profile: toProfile(record),
  };
}

export function toCreatedUserTokenDto(record: SubscriberRecord, token: string): CreatedUserTokenDto {
  return {
    id: record.id,
    username: record.username,
    organization: record.organization,
    created_at: isoUtc(record.dateJoined),
    token,
    profile: toProfile(record),
  };
}

export function toUpdatedUserTokenDto(record: SubscriberRecord, updatedAt: Date): UpdatedUserTokenDto {
  return {
    id: record.id,
    username: record.username,
    organization: record.organization,
    updated_at: isoUtc(updatedAt),
    profile: toProfile(record),
  };
}
