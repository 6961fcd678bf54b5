import { Check, Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { UserEntity } from '../users/user.entity.js';

export const NAS_COA_PORT_DEFAULT = 3799;

/**
 * A NAS (gateway) allowed to send RADIUS to the service: packets are accepted only from an address
 * inside `ip_address` (a host or a network) and only when signed with its `secret`. Disconnect-Requests
 * go to the NAS's `coa_port` (RFC 5176). The secret is stored encrypted when SECRETS_KEY is set (see
 * secret-box.ts), as is otherwise (RADIUS needs it to sign packets), and never shown by the API.
 */
@Entity('nas_clients')
@Unique('UQ_nas_clients_name', ['name'])
@Unique('UQ_nas_clients_ip_address', ['ipAddress'])
@Unique('UQ_nas_clients_gateway_user_id', ['gatewayUserId'])
@Check('CHK_nas_clients_coa_port', '"coa_port" BETWEEN 1 AND 65535')
export class NasClientEntity {
  @PrimaryGeneratedColumn('increment', { name: 'id', primaryKeyConstraintName: 'PK_nas_clients' })
  id!: number;

  @Column({ name: 'name', type: 'varchar', length: 64 })
  name!: string;

  /** PostgreSQL `cidr`: a single address is stored as /32 (/128). */
  @Column({ name: 'ip_address', type: 'cidr' })
  ipAddress!: string;

  /** The shared secret, or `enc:v1:…` (AES-256-GCM under SECRETS_KEY). */
  @Column({ name: 'secret', type: 'varchar', length: 512 })
  secret!: string;

  /** Access-Requests without a valid Message-Authenticator are dropped (BlastRADIUS). Rows from before the column: false. */
  @Column({ name: 'require_message_authenticator', type: 'boolean', default: true })
  requireMessageAuthenticator!: boolean;

  /** The gateway account whose HTTP accounting (POST /api/v1/accounting/) is this NAS's: its sessions are bound to this client. */
  @Column({ name: 'gateway_user_id', type: 'integer', nullable: true })
  gatewayUserId!: number | null;

  @ManyToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'gateway_user_id', foreignKeyConstraintName: 'FK_nas_clients_gateway_user_id' })
  gatewayUser?: UserEntity | null;

  /**
   * The organization (tenant) this NAS serves: its RADIUS requests authorize and account only that
   * organization's subscribers. Null: a shared NAS client (staff's), serving every organization.
   */
  @Column({ name: 'organization', type: 'varchar', length: 128, nullable: true })
  organization!: string | null;

  @Column({ name: 'coa_port', type: 'integer', default: NAS_COA_PORT_DEFAULT })
  coaPort!: number;

  /** CoA-Requests (a new Session-Timeout when the balance changes) go to this NAS only when true. */
  @Column({ name: 'coa_enabled', type: 'boolean', default: true })
  coaEnabled!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
