import { BooleanField, EmailField, NameField, PasswordField, TokenLifetimeField, UsernameField } from './user-fields.js';

/**
 * `PATCH /api/users/{uuid}/`: any subset of the fields. Staff may change all of them; a user
 * changing their own account may not change `username`, `is_active` or `is_staff` (403).
 */
export class UpdateUserDto {
  @UsernameField(false)
  username?: string;

  @EmailField()
  email?: string;

  @NameField('Jane')
  first_name?: string;

  @NameField('Smith')
  last_name?: string;

  @PasswordField()
  password?: string;

  @BooleanField('Designates whether this user should be treated as active. Staff only.')
  is_active?: boolean;

  @BooleanField('Designates whether the user is staff. Staff only.')
  is_staff?: boolean;

  @TokenLifetimeField('Token lifetime in seconds; null: tokens never expire.')
  token_lifetime?: number | null;
}
