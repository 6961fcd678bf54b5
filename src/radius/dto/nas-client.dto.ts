import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ValidateIf } from 'class-validator';
import { SatisfiesRule } from '../../common/validation/field-rule.js';
import { NAS_COA_PORT_DEFAULT } from '../nas-client.entity.js';
import {
  coaEnabledRule,
  coaPortRule,
  gatewayUserIdRule,
  NAS_NAME_MAX_LENGTH,
  NAS_SECRET_MAX_LENGTH,
  NAS_SECRET_MIN_LENGTH,
  nasAddressRule,
  nasNameRule,
  NAS_ORGANIZATION_MAX_LENGTH,
  nasOrganizationRule,
  nasSecretRule,
  requireMessageAuthenticatorRule,
} from '../nas-client-rules.js';

const whenPresent = () => ValidateIf((_: object, value: unknown) => value !== undefined);
const trimString = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.trim() : value);

const REQUIRE_MESSAGE_AUTHENTICATOR = {
  type: Boolean,
  description:
    'Drop Access-Requests without a valid Message-Authenticator (BlastRADIUS, CVE-2024-3596). Turn off only for a NAS that cannot send one.',
};
const COA_ENABLED = {
  type: Boolean,
  description:
    'Send this NAS a CoA-Request (RFC 5176, to `coa_port`) with the new Session-Timeout when a subscriber\'s balance changes during one of its sessions. ' +
    'Turn off for a NAS that takes Disconnect-Requests but not CoA.',
};
const GATEWAY_USER_ID = {
  type: 'integer',
  nullable: true,
  example: null,
  description:
    'The gateway account (role `gateway`) whose POST /api/v1/accounting/ records are this NAS\'s: their sessions are bound to this client, ' +
    'so Disconnect-Requests for them go here. Null: none (HTTP sessions of that account get no Disconnect-Request).',
} as const;

const ORGANIZATION = {
  type: String,
  nullable: true,
  maxLength: NAS_ORGANIZATION_MAX_LENGTH,
  example: 'acme_corp',
  description:
    'The organization (tenant) this NAS serves: its RADIUS requests authorize and account only that organization\'s subscribers. ' +
    'Null: a shared NAS client serving every organization (staff only). Defaults to the caller\'s organization, for staff to the ' +
    'linked gateway account\'s (else null). Anyone but staff sees and sets only their own organization\'s NAS clients.',
} as const;

/** `POST /api/v1/nas/`. Unknown fields are rejected. */
export class CreateNasClientDto {
  @ApiProperty({ maxLength: NAS_NAME_MAX_LENGTH, example: 'hotspot-lobby', description: 'A unique label. Sessions with no NAS-IP-Address are matched to the client whose name is their NAS-Identifier.' })
  @Transform(trimString)
  @SatisfiesRule(nasNameRule)
  name!: string;

  @ApiProperty({ example: '192.0.2.10', description: 'The address RADIUS packets come from, or a network (CIDR, e.g. `192.0.2.0/24`); the most specific match wins.' })
  @Transform(trimString)
  @SatisfiesRule(nasAddressRule)
  ip_address!: string;

  @ApiProperty({ minLength: NAS_SECRET_MIN_LENGTH, maxLength: NAS_SECRET_MAX_LENGTH, writeOnly: true, example: 'a-long-random-shared-secret', description: 'The RADIUS shared secret. Write-only: never shown in responses.' })
  @SatisfiesRule(nasSecretRule)
  secret!: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 65535, default: NAS_COA_PORT_DEFAULT, description: 'The NAS\'s CoA/Disconnect port (RFC 5176).' })
  @whenPresent()
  @SatisfiesRule(coaPortRule)
  coa_port?: number;

  @ApiPropertyOptional({ ...COA_ENABLED, default: true })
  @whenPresent()
  @SatisfiesRule(coaEnabledRule)
  coa_enabled?: boolean;

  @ApiPropertyOptional({ ...REQUIRE_MESSAGE_AUTHENTICATOR, default: true })
  @whenPresent()
  @SatisfiesRule(requireMessageAuthenticatorRule)
  require_message_authenticator?: boolean;

  @ApiPropertyOptional({ ...GATEWAY_USER_ID, default: null })
  @whenPresent()
  @SatisfiesRule(gatewayUserIdRule)
  gateway_user_id?: number | null;

  @ApiPropertyOptional(ORGANIZATION)
  @whenPresent()
  @SatisfiesRule(nasOrganizationRule)
  organization?: string | null;
}

/** `PUT /api/v1/nas/{id}/`: every field again; an omitted `coa_port` is reset to 3799; an omitted `secret`, `coa_enabled`, `require_message_authenticator` or `gateway_user_id` is kept. */
export class ReplaceNasClientDto {
  @ApiProperty({ maxLength: NAS_NAME_MAX_LENGTH, example: 'hotspot-lobby' })
  @Transform(trimString)
  @SatisfiesRule(nasNameRule)
  name!: string;

  @ApiProperty({ example: '192.0.2.10' })
  @Transform(trimString)
  @SatisfiesRule(nasAddressRule)
  ip_address!: string;

  @ApiPropertyOptional({ minLength: NAS_SECRET_MIN_LENGTH, maxLength: NAS_SECRET_MAX_LENGTH, writeOnly: true, description: 'Changed only when given.' })
  @whenPresent()
  @SatisfiesRule(nasSecretRule)
  secret?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 65535, default: NAS_COA_PORT_DEFAULT })
  @whenPresent()
  @SatisfiesRule(coaPortRule)
  coa_port?: number;

  @ApiPropertyOptional({ ...COA_ENABLED, description: `${COA_ENABLED.description} Kept when omitted.` })
  @whenPresent()
  @SatisfiesRule(coaEnabledRule)
  coa_enabled?: boolean;

  @ApiPropertyOptional({ ...REQUIRE_MESSAGE_AUTHENTICATOR, description: `${REQUIRE_MESSAGE_AUTHENTICATOR.description} Kept when omitted.` })
  @whenPresent()
  @SatisfiesRule(requireMessageAuthenticatorRule)
  require_message_authenticator?: boolean;

  @ApiPropertyOptional({ ...GATEWAY_USER_ID, description: `${GATEWAY_USER_ID.description} Kept when omitted.` })
  @whenPresent()
  @SatisfiesRule(gatewayUserIdRule)
  gateway_user_id?: number | null;

  @ApiPropertyOptional({ ...ORGANIZATION, description: `${ORGANIZATION.description} Kept when omitted.` })
  @whenPresent()
  @SatisfiesRule(nasOrganizationRule)
  organization?: string | null;
}

/** `PATCH /api/v1/nas/{id}/`: any subset of the fields. */
export class PatchNasClientDto extends PartialType(CreateNasClientDto, { skipNullProperties: false }) {}

/** A NAS client as the API shows it (never its secret). */
export class NasClientDto {
  @ApiProperty({ type: 'integer', example: 1 }) id!: number;
  @ApiProperty({ example: 'hotspot-lobby' }) name!: string;
  @ApiProperty({ example: '192.0.2.10', description: 'A single address, or a network in CIDR notation.' }) ip_address!: string;
  @ApiProperty({ type: 'integer', example: NAS_COA_PORT_DEFAULT }) coa_port!: number;
  @ApiProperty(COA_ENABLED) coa_enabled!: boolean;
  @ApiProperty(REQUIRE_MESSAGE_AUTHENTICATOR) require_message_authenticator!: boolean;
  @ApiProperty(GATEWAY_USER_ID) gateway_user_id!: number | null;
  @ApiProperty(ORGANIZATION) organization!: string | null;
  @ApiProperty({ format: 'date-time', example: '2026-11-25T03:00:00Z' }) created_at!: string;
  @ApiProperty({ format: 'date-time', example: '2026-11-25T03:00:00Z' }) updated_at!: string;
}

export class NasClientListDto {
  @ApiProperty({ type: 'integer', example: 1 }) count!: number;
  @ApiProperty({ type: String, format: 'uri', nullable: true, example: null }) next!: string | null;
  @ApiProperty({ type: String, format: 'uri', nullable: true, example: null }) previous!: string | null;
  @ApiProperty({ type: [NasClientDto] }) results!: NasClientDto[];
}
