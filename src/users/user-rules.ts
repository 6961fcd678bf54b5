/** Account field rules, from the seed (Django's username rules, Waldur's token lifetime). */
export const USERNAME_MAX_LENGTH = 128;
export const USERNAME_PATTERN = /^[a-z0-9@.+_-]+$/;
export const USERNAME_MESSAGE =
  'Enter a valid username. This value may contain only lowercase letters, numbers, and @/./+/-/_ characters.';
export const USERNAME_TAKEN_MESSAGE = 'A user with that username already exists.';

export const TOKEN_LIFETIME_MIN_SECONDS = 60;
/** Ten years: long enough for anyone, small enough to stay a PostgreSQL integer and a sane interval. */
export const TOKEN_LIFETIME_MAX_SECONDS = 315_360_000;

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 256;

export const NAME_MAX_LENGTH = 150;
export const EMAIL_MAX_LENGTH = 254;
