import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn } from 'typeorm';
import { UserEntity } from '../users/user.entity.js';

/** One API token per user, as in DRF's authtoken. Only the SHA-256 of the key is stored. */
@Entity('auth_tokens')
export class AuthTokenEntity {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId!: number;

  @OneToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;

  @Column({ name: 'key_hash', type: 'char', length: 64, unique: true })
  keyHash!: string;

  @Column({ name: 'created', type: 'timestamptz', default: () => 'now()' })
  created!: Date;

  /** When the token was last used (coarsely refreshed); it expires `token_lifetime` seconds after this. */
  @Column({ name: 'last_used_at', type: 'timestamptz', default: () => 'now()' })
  lastUsedAt!: Date;
}
