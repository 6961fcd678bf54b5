import { Column, Entity, Generated, PrimaryGeneratedColumn } from 'typeorm';

/** An account: a subscriber, an operator or a gateway service account. */
@Entity('users')
export class UserEntity {
  @PrimaryGeneratedColumn({ name: 'id' })
  id!: number;

  /** Public identifier in /api/users/{uuid}/; gen_random_uuid() (the data source uses the pgcrypto generator). */
  @Column({ name: 'uuid', type: 'uuid', unique: true })
  @Generated('uuid')
  uuid!: string;

  @Column({ name: 'username', type: 'varchar', length: 128, unique: true })
  username!: string;

  @Column({ name: 'email', type: 'varchar', length: 254, default: '' })
  email!: string;

  @Column({ name: 'first_name', type: 'varchar', length: 150, default: '' })
  firstName!: string;

  @Column({ name: 'last_name', type: 'varchar', length: 150, default: '' })
  lastName!: string;

  /** argon2id hash; null means the account cannot log in with a password (token only). */
  @Column({ name: 'password_hash', type: 'text', nullable: true })
  passwordHash!: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'is_staff', type: 'boolean', default: false })
  isStaff!: boolean;

  /** Seconds a token stays valid after its last use; null: never expires. */
  @Column({ name: 'token_lifetime', type: 'integer', nullable: true })
  tokenLifetime!: number | null;

  @Column({ name: 'date_joined', type: 'timestamptz', default: () => 'now()' })
  dateJoined!: Date;

  @Column({ name: 'last_login', type: 'timestamptz', nullable: true })
  lastLogin!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
