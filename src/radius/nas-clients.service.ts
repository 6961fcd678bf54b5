import { parsePathId } from '../common/http/path-id.js';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { limitOffsetPage, parseLimitOffset, type LimitOffsetPage } from '../common/pagination/limit-offset.js';
import type { RawQuery } from '../common/pagination/query-url.js';
import { Clock } from '../common/time/clock.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { CreateNasClientDto, NasClientDto, PatchNasClientDto, ReplaceNasClientDto } from './dto/nas-client.dto.js';
import { NAS_COA_PORT_DEFAULT, type NasClientEntity } from './nas-client.entity.js';
import { checkNasFields } from './nas-client-rules.js';
import { toNasClientDto } from './nas-clients.mapper.js';
import { nasWriteError, NasClientsRepository, type NasClientValues } from './nas-clients.repository.js';
import { NasDirectory } from './nas-directory.js';

export const NAS_PATH = '/api/v1/nas/';

/** A NAS id from the path; anything else is a 404 (as DRF's get_object_or_404). */
export function parseNasId(raw: string): number {
  const id = parsePathId(raw);
  if (id === undefined) throw DomainError.notFound();
  return id;
}

/** The RADIUS NAS clients (/api/v1/nas/ and the nas:* commands). Every change is seen by the listeners at once. */
@Injectable()
export class NasClientsService {
  constructor(
    private readonly repository: NasClientsRepository,
    private readonly directory: NasDirectory,
    @Inject(Clock) private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    const values: NasClientValues = { name: dto.name, ipAddress: dto.ip_address, secret: dto.secret, coaPort: dto.coa_port ?? NAS_COA_PORT_DEFAULT };
    return this.write(() => this.repository.insert(values, this.clock.now()));
  }

  /** The CLI's `nas:add`: the same rules as the API, checked here because no DTO pipe runs. */
  async add(fields: { name: string; ip_address: string; secret: string; coa_port?: number }): Promise<NasClientDto> {
    const errors = checkNasFields(fields);
    if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
    return this.create({ ...fields, name: fields.name.trim(), ip_address: fields.ip_address.trim() });
  }

  async replace(id: number, dto: ReplaceNasClientDto): Promise<NasClientDto> {
    await this.get(id);
    return this.write(() => this.update(id, {
      name: dto.name,
      ipAddress: dto.ip_address,
      coaPort: dto.coa_port ?? NAS_COA_PORT_DEFAULT,
      ...(dto.secret !== undefined ? { secret: dto.secret } : {}),
    }));
  }

  async patch(id: number, dto: PatchNasClientDto): Promise<NasClientDto> {
    await this.get(id);
    return this.write(() => this.update(id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.ip_address !== undefined ? { ipAddress: dto.ip_address } : {}),
      ...(dto.secret !== undefined ? { secret: dto.secret } : {}),
      ...(dto.coa_port !== undefined ? { coaPort: dto.coa_port } : {}),
    }));
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
