import { parsePathId } from '../common/http/path-id.js';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { assertInScope, assertMayAssignOrganization, EVERY_ORGANIZATION, type OrganizationScope } from '../auth/organization-scope.js';
import { DomainError } from '../common/errors/domain-error.js';
import { limitOffsetPage, parseLimitOffset, type LimitOffsetPage } from '../common/pagination/limit-offset.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { CreateNasClientDto, NasClientDto, PatchNasClientDto, ReplaceNasClientDto } from './dto/nas-client.dto.js';
import { NAS_COA_PORT_DEFAULT, type NasClientEntity } from './nas-client.entity.js';
import { checkNasFields, NAS_GATEWAY_NOT_FOUND, NAS_GATEWAY_OTHER_ORGANIZATION } from './nas-client-rules.js';
import { toNasClientDto } from './nas-clients.mapper.js';
import { nasWriteError, NasClientsRepository, type NasClientValues } from './nas-clients.repository.js';
import { NasDirectory } from './nas-directory.js';
import { isSealed, NasSecretCipher, SecretsKeyError } from './nas-secret-cipher.js';

export const NAS_PATH = '/api/v1/nas/';

/** A NAS id from the path; anything else is a 404 (as DRF's get_object_or_404). */
export function parseNasId(raw: string): number {
  const id = parsePathId(raw);
  if (id === undefined) throw DomainError.notFound();
  return id;
}

/** The API's and CLI's fields of a new NAS client. */
export interface NewNasClient {
  name: string;
  ip_address: string;
  secret: string;
  coa_port?: number;
  coa_enabled?: boolean;
  require_message_authenticator?: boolean;
  gateway_user_id?: number | null;
  organization?: string | null;
}

/**
 * The RADIUS NAS clients (/api/v1/nas/ and the nas:* commands). Every change is seen by the listeners
 * at once. Secrets are sealed with SECRETS_KEY when it is set (NasSecretCipher).
 * A NAS client belongs to an organization (organization-scope.ts): set from the caller's own
 * organization, or by staff (default: the linked gateway account's; null: shared by every
 * organization). The API's callers see and change only the NAS clients of their `scope`; the CLI
 * (operators on the host) sees them all.
 */
@Injectable()
export class NasClientsService implements OnModuleInit {
  private readonly logger = new Logger('NasClients');

  constructor(
    private readonly repository: NasClientsRepository,
    private readonly directory: NasDirectory,
    private readonly cipher: NasSecretCipher,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * At start: refuses to run when secrets are sealed and SECRETS_KEY is unset or opens none of them
   * (RADIUS could not sign a packet); with a key, seals again under it every secret still stored in
   * plaintext or sealed under SECRETS_KEY_PREVIOUS (a rotation).
   */
  async onModuleInit(): Promise<void> {
    const clients = await this.repository.findAll();
    const sealed = clients.filter((client) => isSealed(client.secret));
    if (sealed.length > 0 && !this.cipher.enabled) {
      throw new SecretsKeyError(
        `${sealed.length} NAS client secret(s) are encrypted and SECRETS_KEY is not set: start with the SECRETS_KEY they were encrypted with.`,
      );
    }
    if (!this.cipher.enabled) return;
    const stale = clients.filter((client) => !this.cipher.isCurrent(client.secret));
    for (const client of stale) {
      await this.repository.replaceSecret(client.id, client.secret, this.cipher.protect(this.cipher.reveal(client.secret)));
    }
    if (stale.length > 0) {
      this.directory.invalidate();
      this.logger.log(`Encrypted ${stale.length} NAS client secret(s) with SECRETS_KEY.`);
    }
  }

  async list(scope: OrganizationScope, query: RawQuery): Promise<LimitOffsetPage<NasClientDto>> {
    const page = parseLimitOffset(query);
    const { rows, count } = await this.repository.findPage(scope, page.offset, page.limit);
    return limitOffsetPage(rows.map(toNasClientDto), count, page, { baseUrl: this.config.publicUrl, path: NAS_PATH, query });
  }

  /** For the CLI: every client, by id. */
  async listAll(): Promise<NasClientDto[]> {
    return (await this.repository.findAll()).map(toNasClientDto);
  }

  async retrieve(scope: OrganizationScope, id: number): Promise<NasClientDto> {
    return toNasClientDto(await this.get(scope, id));
  }

  async create(scope: OrganizationScope, dto: CreateNasClientDto): Promise<NasClientDto> {
    const gatewayOrganization = await this.checkGateway(dto.gateway_user_id);
    const organization = dto.organization !== undefined ? dto.organization : (scope.organization ?? gatewayOrganization ?? null);
    this.checkOrganization(scope, organization, gatewayOrganization);
    const values: NasClientValues = {
      name: dto.name,
      ipAddress: dto.ip_address,
      secret: this.cipher.protect(dto.secret),
      coaPort: dto.coa_port ?? NAS_COA_PORT_DEFAULT,
      coaEnabled: dto.coa_enabled ?? true,
      requireMessageAuthenticator: dto.require_message_authenticator ?? true,
      gatewayUserId: dto.gateway_user_id ?? null,
      organization,
    };
    return this.write(() => this.repository.insert(values, this.clock.now()));
  }

  /** The CLI's `nas:add`: the same rules as the API, checked here because no DTO pipe runs. `gateway` is a username. */
  async add(fields: Omit<NewNasClient, 'gateway_user_id'> & { gateway?: string }): Promise<NasClientDto> {
    const { gateway, ...rest } = fields;
    const errors = checkNasFields(rest);
    if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
    let gatewayUserId: number | undefined;
    if (gateway !== undefined) {
      gatewayUserId = await this.repository.findUserIdByUsername(gateway);
      if (gatewayUserId === undefined) throw DomainError.validation({ gateway: [`No user named "${gateway}".`] });
    }
    return this.create(EVERY_ORGANIZATION, { ...rest, name: rest.name.trim(), ip_address: rest.ip_address.trim(), gateway_user_id: gatewayUserId });
  }

  async replace(scope: OrganizationScope, id: number, dto: ReplaceNasClientDto): Promise<NasClientDto> {
    await this.checkChange(scope, await this.get(scope, id), dto);
    return this.write(() => this.update(id, {
      name: dto.name,
      ipAddress: dto.ip_address,
      coaPort: dto.coa_port ?? NAS_COA_PORT_DEFAULT,
      ...this.optionalChanges(dto),
    }));
  }

  async patch(scope: OrganizationScope, id: number, dto: PatchNasClientDto): Promise<NasClientDto> {
    await this.checkChange(scope, await this.get(scope, id), dto);
    return this.write(() => this.update(id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.ip_address !== undefined ? { ipAddress: dto.ip_address } : {}),
      ...(dto.coa_port !== undefined ? { coaPort: dto.coa_port } : {}),
      ...this.optionalChanges(dto),
    }));
  }

  /** The fields a PUT keeps when omitted, as a PATCH does. */
  private optionalChanges(dto: Pick<PatchNasClientDto, 'secret' | 'coa_enabled' | 'require_message_authenticator' | 'gateway_user_id' | 'organization'>): Partial<NasClientValues> {
    return {
      ...(dto.organization !== undefined ? { organization: dto.organization } : {}),
      ...(dto.secret !== undefined ? { secret: this.cipher.protect(dto.secret) } : {}),
      ...(dto.coa_enabled !== undefined ? { coaEnabled: dto.coa_enabled } : {}),
      ...(dto.require_message_authenticator !== undefined ? { requireMessageAuthenticator: dto.require_message_authenticator } : {}),
      ...(dto.gateway_user_id !== undefined ? { gatewayUserId: dto.gateway_user_id } : {}),
    };
  }

  /**
   * A linked account must be an active gateway account: HTTP accounting is posted by those only.
   * Returns its organization (undefined: no account linked).
   */
  private async checkGateway(userId: number | null | undefined): Promise<string | undefined> {
    if (userId === null || userId === undefined) return undefined;
    const organization = await this.repository.findGatewayOrganization(userId);
    if (organization === undefined) throw DomainError.validation({ gateway_user_id: [NAS_GATEWAY_NOT_FOUND] });
    return organization;
  }

  /**
   * The organization a NAS client is given must be within the caller's scope (null, shared: staff
   * only), and a linked gateway account must be of it: that account's sessions are this NAS's.
   */
  private checkOrganization(scope: OrganizationScope, organization: string | null, gatewayOrganization: string | undefined): void {
    assertMayAssignOrganization(scope, organization);
    if (organization !== null && gatewayOrganization !== undefined && gatewayOrganization !== organization) {
      throw DomainError.validation({ gateway_user_id: [NAS_GATEWAY_OTHER_ORGANIZATION] });
    }
  }

  /** A PUT or PATCH: the organization and gateway link it leaves the client with, checked together. */
  private async checkChange(scope: OrganizationScope, current: NasClientEntity, dto: Pick<PatchNasClientDto, 'gateway_user_id' | 'organization'>): Promise<void> {
    const gatewayUserId = dto.gateway_user_id !== undefined ? dto.gateway_user_id : current.gatewayUserId;
    const gatewayOrganization = dto.gateway_user_id !== undefined
      ? await this.checkGateway(dto.gateway_user_id)
      : gatewayUserId === null ? undefined : await this.repository.findGatewayOrganization(gatewayUserId);
    this.checkOrganization(scope, dto.organization !== undefined ? dto.organization : current.organization, gatewayOrganization);
  }

  async destroy(scope: OrganizationScope, id: number): Promise<void> {
    await this.get(scope, id);
    if (!(await this.repository.delete(id))) throw DomainError.notFound();
    this.directory.invalidate();
  }

  /** The CLI's `nas:remove`: by name, or by id when the argument is a number and no client has it as a name. */
  async removeByNameOrId(nameOrId: string): Promise<NasClientDto> {
    const client = (await this.repository.findByName(nameOrId)) ?? (/^\d{1,10}$/.test(nameOrId) ? await this.repository.findById(Number(nameOrId)) : null);
    if (!client) throw DomainError.notFound(`No NAS client named "${nameOrId}".`);
    await this.destroy(EVERY_ORGANIZATION, client.id);
    return toNasClientDto(client);
  }

  /** The NAS client, when it is in `scope` (a shared one only for staff); else 404. */
  private async get(scope: OrganizationScope, id: number): Promise<NasClientEntity> {
    const client = await this.repository.findById(id);
    if (!client) throw DomainError.notFound();
    assertInScope(scope, client.organization);
    return client;
  }

  private async update(id: number, changes: Partial<NasClientValues>): Promise<NasClientEntity> {
    const updated = await this.repository.update(id, changes, this.clock.now());
    if (!updated) throw DomainError.notFound();
    return updated;
  }

  private async write(work: () => Promise<NasClientEntity>): Promise<NasClientDto> {
    try {
      const client = await work();
      this.directory.invalidate();
      return toNasClientDto(client);
    } catch (error) {
      const fieldErrors = nasWriteError(error);
      if (fieldErrors) throw DomainError.validation(fieldErrors);
      throw error;
    }
  }
}
