/**
 * A plain, aligned text table: a header row and left-aligned columns separated by two spaces,
 * no trailing spaces, so it reads well and `awk`/`cut` can still take it apart.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((width, column) => (cells[column] ?? '').padEnd(width))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)];
}

export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
