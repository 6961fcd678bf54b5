import { buildPageUrl, parsePositiveInt, queryValue, type RawQuery } from './query-url.js';

export const LIMIT_DEFAULT = 10;
export const LIMIT_MAX = 1000;

export interface LimitOffset {
  limit: number;
  offset: number;
}

/** DRF's LimitOffsetPagination: an invalid or zero `limit` means the default, a huge one is capped; a bad offset is 0. */
export function parseLimitOffset(query: RawQuery): LimitOffset {
  return {
    limit: parsePositiveInt(queryValue(query, 'limit'), { strict: true, cutoff: LIMIT_MAX }) ?? LIMIT_DEFAULT,
    offset: parsePositiveInt(queryValue(query, 'offset'), { strict: false }) ?? 0,
  };
}

export interface LimitOffsetPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The `{"count", "next", "previous", "results"}` envelope with absolute links that keep the filters. */
export function limitOffsetPage<T>(
  results: T[],
  count: number,
  page: LimitOffset,
  url: { baseUrl: string; path: string; query: RawQuery },
): LimitOffsetPage<T> {
  const link = (offset: number | null) => buildPageUrl(url.baseUrl, url.path, url.query, { limit: page.limit, offset });
  const next = page.offset + page.limit < count ? link(page.offset + page.limit) : null;
  let previous: string | null = null;
  if (page.offset > 0) previous = page.offset - page.limit <= 0 ? link(null) : link(page.offset - page.limit);
  return { count, next, previous, results };
}
