/** ISO-8601 in UTC with a `Z`, to the second, as the seed documents show (`2024-01-15T10:30:00Z`). */
export function isoUtc(date: Date): string;
export function isoUtc(date: Date | null): string | null;
export function isoUtc(date: Date | null): string | null {
  return date === null ? null : date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
