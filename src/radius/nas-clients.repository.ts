import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { scopeParameter, type OrganizationScope } from '../auth/organization-scope.js';
import type { FieldErrors } from '../common/errors/domain-error.js';
import { NasClientEntity } from './nas-client.entity.js';
import { NAS_ADDRESS_TAKEN, NAS_GATEWAY_TAKEN, NAS_NAME_TAKEN } from './nas-client-rules.js';

export type NasClientValues = Pick<NasClientEntity, 'name' | 'ipAddress' | 'secret' | 'coaPort' | 'coaEnabled' | 'requireMessageAuthenticator' | 'gatewayUserId' | 'organization'>;

/** A write refused by the database, as the field errors the API reports (undefined: not ours to explain). */
export function nasWriteError(error: unknown): FieldErrors | undefined {
  const raw = error as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string } | null;
  const code = raw?.driverError?.code ?? raw?.code;
  const constraint = raw?.driverError?.constraint ?? raw?.constraint;
  if (code === '23505' && constraint === 'UQ_nas_clients_name') return { name: [NAS_NAME_TAKEN] };
  if (code === '23505' && constraint === 'UQ_nas_clients_ip_address') return { ip_address: [NAS_ADDRESS_TAKEN] };
  if (code === '23505' && constraint === 'UQ_nas_clients_gateway_user_id') return { gateway_user_id: [NAS_GATEWAY_TAKEN] };
  // invalid_text_representation on the cidr column: an address with host bits set to the right of the prefix.
  if (code === '22P02') return { ip_address: ['Host bits are set to the right of the prefix: give the network address (e.g. 192.0.2.0/24).'] };
  return undefined;
}

@Injectable()
export class NasClientsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(NasClientEntity);
  }

  /** The NAS clients of `scope`, by id (shared ones, organization null, are staff's only). */
  async findPage(scope: OrganizationScope, offset: number, limit: number): Promise<{ rows: NasClientEntity[]; count: number }> {
    const organization = scopeParameter(scope);
    const [rows, count] = await this.repo.findAndCount({
      where: organization === null ? {} : { organization }, order: { id: 'ASC' }, skip: offset, take: limit,
    });
    return { rows, count };
  }

  findAll(): Promise<NasClientEntity[]> {
    return this.repo.find({ order: { id: 'ASC' } });
  }

  findById(id: number): Promise<NasClientEntity | null> {
    return this.repo.findOneBy({ id });
  }

  findByName(name: string): Promise<NasClientEntity | null> {
    return this.repo.findOneBy({ name });
  }

  /** Throws the driver's error on a taken name or address, or an invalid network (see nasWriteError). */
  async insert(values: NasClientValues, now: Date): Promise<NasClientEntity> {
    return this.repo.save(this.repo.create({ ...values, createdAt: now, updatedAt: now }));
  }

  async update(id: number, changes: Partial<NasClientValues>, now: Date): Promise<NasClientEntity | null> {
    await this.repo.update({ id }, { ...changes, updatedAt: now });
    return this.findById(id);
  }

  /** The organization of `userId` if it is an active account with the gateway role (the accounts that post HTTP accounting). */
  async findGatewayOrganization(userId: number): Promise<string | undefined> {
    const rows: { organization: string }[] = await this.dataSource.query(
      `SELECT p.organization FROM users u JOIN aaa_profiles p ON p.user_id = u.id WHERE u.id = $1 AND u.is_active AND p.role = 'gateway'`,
      [userId],
    );
    return rows[0]?.organization;
  }

  async findUserIdByUsername(username: string): Promise<number | undefined> {
    const rows: { id: number }[] = await this.dataSource.query('SELECT id FROM users WHERE username = $1', [username]);
    return rows[0]?.id;
  }

  /** Replaces a stored secret only if it is still `current` (another replica may have done it first). */
  async replaceSecret(id: number, current: string, replacement: string): Promise<void> {
    await this.repo.update({ id, secret: current }, { secret: replacement });
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.repo.delete({ id });
    return (result.affected ?? 0) > 0;
  }
}
