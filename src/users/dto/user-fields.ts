import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { SatisfiesRule } from '../../common/validation/field-rule.js';
import {
  EMAIL_MAX_LENGTH,
  NAME_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  TOKEN_LIFETIME_MAX_SECONDS,
  TOKEN_LIFETIME_MIN_SECONDS,
  USERNAME_MAX_LENGTH,
} from '../user-rules.js';
import {
  booleanRule,
  emailRule,
  nameRule,
  passwordRule,
  tokenLifetimeRule,
  usernameRule,
} from '../user-field-rules.js';

/**
 * Optional in the body: skipped when absent. Unlike `@IsOptional` a `null` is still validated,
 * so non-nullable fields answer "This field may not be null." (the validation pipe's wording).
 */
const WhenPresent = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

export const UsernameField = (required: boolean) =>
  applyDecorators(
    ApiProperty({
      type: String,
      required,
      maxLength: USERNAME_MAX_LENGTH,
      pattern: '^[a-z0-9@.+_-]+$',
      description: `${USERNAME_MAX_LENGTH} characters or fewer. Lowercase letters, numbers and @/./+/-/_ characters.`,
      example: 'jane_smith',
    }),
    ...(required ? [] : [WhenPresent()]),
    SatisfiesRule(usernameRule),
  );

export const EmailField = () =>
  applyDecorators(
    ApiProperty({ type: String, format: 'email', required: false, maxLength: EMAIL_MAX_LENGTH, example: 'jane@example.com' }),
    WhenPresent(),
    SatisfiesRule(emailRule),
  );

export const NameField = (example: string) =>
  applyDecorators(ApiProperty({ type: String, required: false, maxLength: NAME_MAX_LENGTH, example }), WhenPresent(), SatisfiesRule(nameRule));

export const PasswordField = () =>
  applyDecorators(
    ApiProperty({
      type: String,
      format: 'password',
      required: false,
      writeOnly: true,
      minLength: PASSWORD_MIN_LENGTH,
      maxLength: PASSWORD_MAX_LENGTH,
      description: 'Stored as an argon2id hash; never returned.',
    }),
    WhenPresent(),
    SatisfiesRule(passwordRule),
  );

export const BooleanField = (description: string, defaultValue?: boolean) =>
  applyDecorators(
    ApiProperty({ type: Boolean, required: false, description, ...(defaultValue === undefined ? {} : { default: defaultValue }) }),
    WhenPresent(),
    SatisfiesRule(booleanRule),
  );

export const TokenLifetimeField = (description: string) =>
  applyDecorators(
    ApiProperty({
      type: 'integer',
      nullable: true,
      required: false,
      minimum: TOKEN_LIFETIME_MIN_SECONDS,
      maximum: TOKEN_LIFETIME_MAX_SECONDS,
      description,
      example: 3600,
    }),
    WhenPresent(),
    SatisfiesRule(tokenLifetimeRule),
  );
