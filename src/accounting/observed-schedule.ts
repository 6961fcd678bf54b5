/** The schedule the service processes actually run, read back from their recorded runs (not this process's settings). */
export interface ObservedSchedule {
  /** Median gap between consecutive scheduled runs (any replica), in whole seconds; null with fewer than two. */
  intervalSeconds: number | null;
  /** The latest scheduled run, if any. */
  last: { startedAt: Date; instance: string } | null;
}

/** From scheduled runs, newest first. */
export function observeSchedule(runs: readonly { startedAt: Date; instance: string }[]): ObservedSchedule {
  const [latest] = runs;
  if (!latest) return { intervalSeconds: null, last: null };
  const gaps = runs
    .slice(1)
    .map((run, index) => (runs[index]!.startedAt.getTime() - run.startedAt.getTime()) / 1000)
    .sort((a, b) => a - b);
  const middle = gaps.length / 2;
  const median = gaps.length === 0 ? null : gaps.length % 2 === 1 ? gaps[Math.floor(middle)]! : (gaps[middle - 1]! + gaps[middle]!) / 2;
  return { intervalSeconds: median === null ? null : Math.round(median), last: { startedAt: latest.startedAt, instance: latest.instance } };
}
