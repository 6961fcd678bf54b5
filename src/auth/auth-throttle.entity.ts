import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One rate-limit counter (table `auth_throttle`, UNLOGGED, see its migration): the attempts counted
 * for `key` in `scope` since `window_start`. Read and written only by AuthThrottleRepository, in
 * single atomic statements.
 */
@Entity('auth_throttle')
@Index('IDX_auth_throttle_window_start', ['windowStart'])
export class AuthThrottleEntity {
  @PrimaryColumn({ name: 'scope', type: 'varchar', length: 32, primaryKeyConstraintName: 'PK_auth_throttle' })
  scope!: string;

  @PrimaryColumn({ name: 'key', type: 'varchar', length: 300, primaryKeyConstraintName: 'PK_auth_throttle' })
  key!: string;

  @Column({ name: 'window_start', type: 'timestamptz' })
  windowStart!: Date;

  @Column({ name: 'count', type: 'integer' })
  count!: number;
}
