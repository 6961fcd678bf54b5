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
 * `X-Result-Count` and `Link` (first, prev, next, last; only the ones that exist), as Waldur sends them.
 * Links are absolute (PUBLIC_URL + path) and keep every other query parameter.
 */
export function pageNumberHeaders(
  page: PageRequest,
  count: number,
  url: { baseUrl: string; path: string; query: RawQuery },
): Record<string, string> {
  const pages = Math.max(1, Math.ceil(count / page.pageSize));
  const link = (target: number | null) => buildPageUrl(url.baseUrl, url.path, url.query, { page: target });
  const links: [string, string | undefined][] = [
    ['first', page.page > 1 ? link(1) : undefined],
    ['prev', page.page > 1 ? link(page.page - 1 === 1 ? null : page.page - 1) : undefined],
    ['next', page.page < pages ? link(page.page + 1) : undefined],
    ['last', page.page < pages ? link(pages) : undefined],
  ];
  const header = links.filter(([, href]) => href !== undefined).map(([rel, href]) => `<${href}>; rel="${rel}"`).join(', ');
  return header ? { 'X-Result-Count': String(count), Link: header } : { 'X-Result-Count': String(count) };
}
