import { BooleanField, EmailField, NameField, PasswordField, TokenLifetimeField, UsernameField } from './user-fields.js';

/** `POST /api/users/`. Unknown fields are rejected; absent optional fields take the defaults below. */
export class CreateUserDto {
  @UsernameField(true)
  username!: string;

  @EmailField()
  email?: string;

  @NameField('Jane')
  first_name?: string;

  @NameField('Smith')
  last_name?: string;

  @PasswordField()
  password?: string;

  @BooleanField('Designates whether this user should be treated as active.', true)
  is_active?: boolean;

  @BooleanField('Designates whether the user can manage accounts and everything else (staff).', false)
  is_staff?: boolean;

  @TokenLifetimeField('Token lifetime in seconds; null: tokens never expire. Default: the service setting TOKEN_LIFETIME_DEFAULT_SECONDS.')
  token_lifetime?: number | null;
}
