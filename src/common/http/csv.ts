import { Readable } from 'node:stream';
import { StreamableFile } from '@nestjs/common';
import { DomainError } from '../errors/domain-error.js';
import { queryValue, type RawQuery } from '../pagination/query-url.js';

/** The list formats DRF's `?format=` selects here: JSON (the default) or CSV. */
export type ListFormat = 'json' | 'csv';

/** `?format=`: json (or absent) or csv; any other value is a 404, as DRF answers an unknown format suffix. */
export function listFormat(query: RawQuery): ListFormat {
  const format = queryValue(query, 'format');
  if (format === undefined || format === 'json') return 'json';
  if (format === 'csv') return 'csv';
  throw DomainError.notFound();
}

export type CsvCell = string | number | boolean | null;

/**
 * One CSV record (RFC 4180): fields with a comma, quote, CR or LF are quoted, quotes doubled; CRLF
 * ends it. A text field starting with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a
 * spreadsheet never runs it as a formula (OWASP CSV injection); numbers are written as they are.
 */
export function csvRecord(cells: readonly CsvCell[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

function csvField(cell: CsvCell): string {
  if (cell === null) return '';
  if (typeof cell !== 'string') return String(cell);
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV download streamed chunk by chunk (each chunk a batch of records), never built as one string. */
export function csvFile(name: string, chunks: AsyncIterable<string>): StreamableFile {
  return new StreamableFile(Readable.from(chunks), { type: 'text/csv; charset=utf-8', disposition: `attachment; filename="${name}.csv"` });
}
