/** Small fixed-width tables and ratio lines for the benchmark output. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => String(cell)))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(cells[0]!), rule, ...cells.slice(1).map(line)].join('\n');
}

export const fmt = {
  int: (n: number) => Math.round(n).toLocaleString('en-US'),
  ms: (n: number) => `${n.toFixed(n < 10 ? 1 : 0)} ms`,
  ratio: (n: number) => `${n.toFixed(2)}×`,
  seconds: (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} s`,
  mb: (n: number) => `${Math.round(n)} MB`,
  cores: (n: number) => n.toFixed(2),
};

/** A target check for the ratio line: "0.91× ≥ 0.8× ok". */
export function verdict(value: number, op: '≥' | '≤' | '<', target: number): string {
  const ok = op === '≥' ? value >= target : op === '≤' ? value <= target : value < target;
  return ok ? 'ok' : 'MISSED';
}

export function log(message: string): void {
  process.stdout.write(`${message}\n`);
}
