import { DomainError } from '../errors/domain-error.js';
import { limitOffsetPage, parseLimitOffset } from './limit-offset.js';
import { pageNumberHeaders, parsePageRequest, resolvePage } from './page-number.js';

const url = (query: Record<string, string>) => ({ baseUrl: 'https://api.example.com', path: '/api/things/', query });

describe('page-number pagination (Waldur LinkHeaderPagination)', () => {
  it('defaults to page 1 of 10 and caps page_size at 300', () => {
    expect(parsePageRequest({})).toEqual({ page: 1, pageSize: 10 });
    expect(parsePageRequest({ page_size: '100000' }).pageSize).toBe(300);
    expect(parsePageRequest({ page_size: '0' }).pageSize).toBe(10);
    expect(parsePageRequest({ page_size: 'abc' }).pageSize).toBe(10);
  });

  it('rejects a non-numeric, zero or out-of-range page with Invalid page.', () => {
    expect(() => parsePageRequest({ page: 'x' })).toThrow(DomainError);
    expect(() => parsePageRequest({ page: '0' })).toThrow('Invalid page.');
    expect(() => resolvePage({ page: 3, pageSize: 10 }, 20)).toThrow('Invalid page.');
    expect(resolvePage({ page: 1, pageSize: 10 }, 0)).toEqual({ page: 1, pageSize: 10, offset: 0 });
    expect(resolvePage({ page: 'last', pageSize: 10 }, 21)).toEqual({ page: 3, pageSize: 10, offset: 20 });
  });

  it("sends Waldur's Link: first and last always, prev and next when they exist, page 1 without `page`", () => {
    const middle = pageNumberHeaders({ page: 2, pageSize: 10, offset: 10 }, 35, url({ page: '2', page_size: '10' }));
    expect(middle['X-Result-Count']).toBe('35');
    expect(middle.Link).toBe(
      '<https://api.example.com/api/things/?page_size=10>; rel="first", ' +
        '<https://api.example.com/api/things/?page_size=10>; rel="prev", ' +
        '<https://api.example.com/api/things/?page=3&page_size=10>; rel="next", ' +
        '<https://api.example.com/api/things/?page=4&page_size=10>; rel="last"',
    );
    expect(pageNumberHeaders({ page: 1, pageSize: 10, offset: 0 }, 5, url({ username: 'jane' }))).toEqual({
      'X-Result-Count': '5',
      Link: '<https://api.example.com/api/things/?username=jane>; rel="first", <https://api.example.com/api/things/?username=jane>; rel="last"',
    });
    expect(pageNumberHeaders({ page: 1, pageSize: 10, offset: 0 }, 0, url({})).Link).toBe(
      '<https://api.example.com/api/things/>; rel="first", <https://api.example.com/api/things/>; rel="last"',
    );
    expect(pageNumberHeaders({ page: 1, pageSize: 10, offset: 0 }, 11, url({ page: '1' })).Link).toBe(
      '<https://api.example.com/api/things/>; rel="first", ' +
        '<https://api.example.com/api/things/?page=2>; rel="next", <https://api.example.com/api/things/?page=2>; rel="last"',
    );
    expect(pageNumberHeaders({ page: 3, pageSize: 10, offset: 20 }, 21, url({ page: 'last' })).Link).toBe(
      '<https://api.example.com/api/things/>; rel="first", <https://api.example.com/api/things/?page=2>; rel="prev", ' +
        '<https://api.example.com/api/things/?page=3>; rel="last"',
    );
  });
});

describe('limit-offset pagination (DRF LimitOffsetPagination)', () => {
  it('treats limit 0 or garbage as the default and caps huge limits', () => {
    expect(parseLimitOffset({})).toEqual({ limit: 10, offset: 0 });
    expect(parseLimitOffset({ limit: '0' }).limit).toBe(10);
    expect(parseLimitOffset({ limit: '99999999' }).limit).toBe(1000);
    expect(parseLimitOffset({ offset: '-5' }).offset).toBe(0);
  });

  it('builds next/previous links that keep the filters', () => {
    const page = limitOffsetPage([1], 25, { limit: 10, offset: 10 }, url({ username: 'john_doe', limit: '10', offset: '10' }));
    expect(page.next).toBe('https://api.example.com/api/things/?limit=10&offset=20&username=john_doe');
    expect(page.previous).toBe('https://api.example.com/api/things/?limit=10&username=john_doe');
    const last = limitOffsetPage([], 25, { limit: 10, offset: 30 }, url({}));
    expect(last.next).toBeNull();
    expect(last.previous).toBe('https://api.example.com/api/things/?limit=10&offset=20');
    expect(limitOffsetPage([], 0, { limit: 10, offset: 0 }, url({}))).toEqual({ count: 0, next: null, previous: null, results: [] });
  });
});
