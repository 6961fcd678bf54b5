/**
 * Counts events per key in fixed windows (e.g. failed logins per username per minute), in memory.
 * Pure: the caller passes the time, so tests drive it with a fake clock. Memory is bounded: past
 * `maxKeys` keys, expired windows are dropped, then the oldest ones.
 */
export class FixedWindowCounter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    /** Events allowed per window; 0 turns the limit off (nothing is counted). */
    readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
  ) {}

  get enabled(): boolean {
    return this.limit > 0;
  }

  /** Seconds until `key` is below its limit again; 0 when it is below it now. */
  waitSeconds(key: string, nowMs: number): number {
    if (!this.enabled) return 0;
    const window = this.current(key, nowMs);
    if (!window || window.count < this.limit) return 0;
    return Math.max(1, Math.ceil((window.start + this.windowMs - nowMs) / 1000));
  }

  /** Counts one event; returns the seconds to wait when this event went over the limit, else 0. */
  hit(key: string, nowMs: number): number {
    if (!this.enabled) return 0;
    let window = this.current(key, nowMs);
    if (!window) {
      window = { start: nowMs, count: 0 };
      this.windows.delete(key);
      this.windows.set(key, window);
      this.prune(nowMs);
    }
    window.count += 1;
    return window.count > this.limit ? Math.max(1, Math.ceil((window.start + this.windowMs - nowMs) / 1000)) : 0;
  }

  reset(): void {
    this.windows.clear();
  }

  get size(): number {
    return this.windows.size;
  }

  private current(key: string, nowMs: number): { start: number; count: number } | undefined {
    const window = this.windows.get(key);
    // A clock moved backwards (tests) starts a fresh window too.
    if (!window || nowMs >= window.start + this.windowMs || nowMs < window.start) return undefined;
    return window;
  }

  private prune(nowMs: number): void {
    if (this.windows.size <= this.maxKeys) return;
    for (const [key, window] of this.windows) {
      if (nowMs >= window.start + this.windowMs) this.windows.delete(key);
    }
    for (const key of this.windows.keys()) {
      if (this.windows.size <= this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}
