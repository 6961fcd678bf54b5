import type { CountedKey, ThrottleScope } from './auth-throttle.repository.js';

/** Whole seconds until a window that started at `windowStart` ends; at least 1. */
export function secondsLeft(windowStart: Date, windowSeconds: number, now: Date): number {
  const endMs = windowStart.getTime() + windowSeconds * 1000;
  return Math.max(1, Math.ceil((endMs - now.getTime()) / 1000));
}

/** The verdict on counted keys: the first scope over its limit and the wait until every key is under it again. */
export interface OverLimit {
  scope: ThrottleScope;
  retryAfterSeconds: number;
}

/**
 * Which counted keys went over their limit (count > limit; the count includes this attempt), and
 * how long until all of them are below it again. Undefined when every key is within its limit.
 */
export function overLimit(
  counted: CountedKey[],
  limitOf: (scope: ThrottleScope) => number,
  windowSeconds: number,
  now: Date,
): OverLimit | undefined {
  const over = counted.filter((key) => key.count > limitOf(key.scope));
  if (over.length === 0) return undefined;
  return {
    scope: over[0]!.scope,
    retryAfterSeconds: Math.max(...over.map((key) => secondsLeft(key.windowStart, windowSeconds, now))),
  };
}
