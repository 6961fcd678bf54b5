import type { ValueTransformer } from 'typeorm';

/** PostgreSQL `bigint` arrives as a string; our counts of seconds and octets fit in a JS number (< 2^53). */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
