import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';

export const NAS_COA_PORT_DEFAULT = 3799;

/**
 * A NAS (gateway) allowed to send RADIUS to the service: packets are accepted only from an address
 * inside `ip_address` (a host or a network) and only when signed with its `secret`. Disconnect-Requests
 * go to the NAS's `coa_port` (RFC 5176). The secret is stored as is (RADIUS needs it to sign packets)
 * and never shown by the API.
 */
@Entity('nas_clients')
@Unique('UQ_nas_clients_name', ['name'])
@Unique('UQ_nas_clients_ip_address', ['ipAddress'])
@Check('CHK_nas_clients_coa_port', '"coa_port" BETWEEN 1 AND 65535')
export class NasClientEntity {
  @PrimaryGeneratedColumn('increment', { name: 'id', primaryKeyConstraintName: 'PK_nas_clients' })
  id!: number;

  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  /** PostgreSQL `cidr`: a single address is stored as /32 (/128). */
  @Column({ name: 'ip_address', type: 'cidr' })
  ipAddress!: string;

  @Column({ name: 'secret', type: 'varchar', length: 128 })
  secret!: string;

  @Column({ name: 'coa_port', type: 'integer', default: NAS_COA_PORT_DEFAULT })
  coaPort!: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
