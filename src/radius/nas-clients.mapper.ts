import { isoUtc } from '../common/http/iso-date.js';
import type { NasClientDto } from './dto/nas-client.dto.js';
import { formatNasNetwork } from './nas-address.js';
import type { NasClientEntity } from './nas-client.entity.js';

/** The secret is write-only: it is never mapped. */
export function toNasClientDto(entity: NasClientEntity): NasClientDto {
  return {
    id: entity.id,
    name: entity.name,
    ip_address: formatNasNetwork(entity.ipAddress),
    coa_port: entity.coaPort,
    coa_enabled: entity.coaEnabled,
    require_message_authenticator: entity.requireMessageAuthenticator,
    gateway_user_id: entity.gatewayUserId,
    organization: entity.organization,
    created_at: isoUtc(entity.createdAt),
    updated_at: isoUtc(entity.updatedAt),
  };
}
