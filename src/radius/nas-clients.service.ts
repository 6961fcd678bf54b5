import { parsePathId } from '../common/http/path-id.js';
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { limitOffsetPage, parseLimitOffset, type LimitOffsetPage } from '../common/pagination/limit-offset.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { CreateNasClientDto, NasClientDto, PatchNasClientDto, ReplaceNasClientDto } from './dto/nas-client.dto.js';
import { NAS_COA_PORT_DEFAULT, type NasClientEntity } from './nas-client.entity.js';
import { checkNasFields, NAS_GATEWAY_NOT_FOUND } from './nas-client-rules.js';
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
}

/**
 * The RADIUS NAS clients (/api/v1/nas/ and the nas:* commands). Every change is seen by the listeners
 * at once. Secrets are sealed with SECRETS_KEY when it is set (NasSecretCipher).
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

  async list(query: RawQuery): Promise<LimitOffsetPage<NasClientDto>> {
    const page = parseLimitOffset(query);
    const { rows, count } = await this.repository.findPage(page.offset, page.limit);
    return limitOffsetPage(rows.map(toNasClientDto), count, page, { baseUrl: this.config.publicUrl, path: NAS_PATH, query });
  }

  /** For the CLI: every client, by id. */
  async listAll(): Promise<NasClientDto[]> {
    return (await this.repository.findAll()).map(toNasClientDto);
  }

  async retrieve(id: number): Promise<NasClientDto> {
    return toNasClientDto(await this.get(id));
  }

  async create(dto: CreateNasClientDto): Promise<NasClientDto> {
    await this.checkGateway(dto.gateway_user_id);
    const values: NasClientValues = {
      name: dto.name,
      ipAddress: dto.ip_address,
      secret: this.cipher.protect(dto.secret),
      coaPort: dto.coa_port ?? NAS_COA_PORT_DEFAULT,
      coaEnabled: dto.coa_enabled ?? true,
      requireMessageAuthenticator: dto.require_message_authenticator ?? true,
      gatewayUserId: dto.gateway_user_id ?? null,
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
    return this.create({ ...rest, name: rest.name.trim(), ip_address: rest.ip_address.trim(), gateway_user_id: gatewayUserId });
  }

  async replace(id: number, dto: ReplaceNasClientDto): Promise<NasClientDto> {
    await this.get(id);
    await this.checkGateway(dto.gateway_user_id);
    return this.write(() => this.update(id, {
      name: dto.name,
      ipAddress: dto.ip_address,
      coaPort: dto.coa_port ?? NAS_COA_PORT_DEFAULT,
      ...this.optionalChanges(dto),
    }));
  }

  async patch(id: number, dto: PatchNasClientDto): Promise<NasClientDto> {
    await this.get(id);
    await this.checkGateway(dto.gateway_user_id);
    return this.write(() => this.update(id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.ip_address !== undefined ? { ipAddress: dto.ip_address } : {}),
      ...(dto.coa_port !== undefined ? { coaPort: dto.coa_port } : {}),
      ...this.optionalChanges(dto),
    }));
  }

  /** The fields a PUT keeps when omitted, as a PATCH does. */
  private optionalChanges(dto: Pick<PatchNasClientDto, 'secret' | 'coa_enabled' | 'require_message_authenticator' | 'gateway_user_id'>): Partial<NasClientValues> {
    return {
      ...(dto.secret !== undefined ? { secret: this.cipher.protect(dto.secret) } : {}),
      ...(dto.coa_enabled !== undefined ? { coaEnabled: dto.coa_enabled } : {}),
      ...(dto.require_message_authenticator !== undefined ? { requireMessageAuthenticator: dto.require_message_authenticator } : {}),
      ...(dto.gateway_user_id !== undefined ? { gatewayUserId: dto.gateway_user_id } : {}),
    };
  }

  /** A linked account must be an active gateway account: HTTP accounting is posted by those only. */
  private async checkGateway(userId: number | null | undefined): Promise<void> {
    if (userId === null || userId === undefined) return;
    if (!(await this.repository.isGatewayAccount(userId))) throw DomainError.validation({ gateway_user_id: [NAS_GATEWAY_NOT_FOUND] });
  }

  async destroy(id: number): Promise<void> {
    if (!(await this.repository.delete(id))) throw DomainError.notFound();
    this.directory.invalidate();
  }

  /** The CLI's `nas:remove`: by name, or by id when the argument is a number and no client has it as a name. */
  async removeByNameOrId(nameOrId: string): Promise<NasClientDto> {
    const client = (await this.repository.findByName(nameOrId)) ?? (/^\d{1,10}$/.test(nameOrId) ? await this.repository.findById(Number(nameOrId)) : null);
    if (!client) throw DomainError.notFound(`No NAS client named "${nameOrId}".`);
    await this.destroy(client.id);
    return toNasClientDto(client);
  }

  private async get(id: number): Promise<NasClientEntity> {
    const client = await this.repository.findById(id);
    if (!client) throw DomainError.notFound();
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
