import { DomainError, ErrorCode } from '../errors/domain-error.js';
import { buildPageUrl, parsePositiveInt, queryValue, type RawQuery } from './query-url.js';

export const PAGE_SIZE_DEFAULT = 10;
export const PAGE_SIZE_MAX = 300;

export interface PageRequest {
  page: number;
  pageSize: number;
  offset: number;
}

/**
 * Waldur's LinkHeaderPagination request side: `page` from 1 (or `last`), `page_size` default 10,
 * capped at 300; an invalid page_size falls back to the default, as in DRF.
 * The page itself is validated against the count by `pageNumberHeaders`.
 */
export function parsePageRequest(query: RawQuery): { page: number | 'last'; pageSize: number } {
  const pageSize = parsePositiveInt(queryValue(query, 'page_size'), { strict: true, cutoff: PAGE_SIZE_MAX }) ?? PAGE_SIZE_DEFAULT;
  const rawPage = queryValue(query, 'page');
  if (rawPage === undefined) return { page: 1, pageSize };
  if (rawPage === 'last') return { page: 'last', pageSize };
  const page = parsePositiveInt(rawPage, { strict: true });
  if (page === undefined) throw new DomainError(ErrorCode.InvalidPage, 'Invalid page.');
  return { page, pageSize };
}

/** Resolves the requested page against the total; a page past the end is 404 "Invalid page." (page 1 always exists). */
export function resolvePage(requested: { page: number | 'last'; pageSize: number }, count: number): PageRequest {
  const pages = Math.max(1, Math.ceil(count / requested.pageSize));
  const page = requested.page === 'last' ? pages : requested.page;
  if (page > pages) throw new DomainError(ErrorCode.InvalidPage, 'Invalid page.');
  return { page, pageSize: requested.pageSize, offset: (page - 1) * requested.pageSize };
}

/**
 * `X-Result-Count` and `Link`, exactly as Waldur's LinkHeaderPagination sends them: `first` and `last`
 * on every page (also when there is only one), `prev` and `next` when those pages exist. As in DRF,
 * page 1 is the URL without `page` (first, last of a single page, prev of page 2).
 * Links are absolute (PUBLIC_URL + path) and keep every other query parameter, sorted.
 */
export function pageNumberHeaders(
  page: PageRequest,
  count: number,
  url: { baseUrl: string; path: string; query: RawQuery },
): Record<string, string> {
  const pages = Math.max(1, Math.ceil(count / page.pageSize));
  const link = (target: number) => buildPageUrl(url.baseUrl, url.path, url.query, { page: target === 1 ? null : target });
  const links: [string, string | undefined][] = [
    ['first', link(1)],
    ['prev', page.page > 1 ? link(page.page - 1) : undefined],
    ['next', page.page < pages ? link(page.page + 1) : undefined],
    ['last', link(pages)],
  ];
  const header = links.filter(([, href]) => href !== undefined).map(([rel, href]) => `<${href}>; rel="${rel}"`).join(', ');
  return { 'X-Result-Count': String(count), Link: header };
}
