import fc from 'fast-check';
import type { BodyProperty, Route } from './openapi-routes.js';
import { percentEncode } from './raw-http.js';

/** JSON text inserted verbatim by `toJson` (numbers JSON.stringify cannot write, deep nesting, duplicate keys). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** A JSON object as ordered entries, so keys may repeat and `__proto__` stays an ordinary key. */
export class Entries {
  constructor(readonly entries: [string, unknown][]) {}
}

/** Serializes plain JSON values, RawJson and Entries (nested anywhere). */
export function toJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}:${toJson(item)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return toJson(new Entries(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** A generated value and the input classes it belongs to (for the coverage report). */
export interface Tagged<T> {
  value: T;
  tags: string[];
}

const tag = <T>(name: string, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<Tagged<T>> => arbitrary.map((value) => ({ value, tags: [name] }));

// ---- Shared pools -----------------------------------------------------------------------------------

/** Big strings are built once: generating a megabyte per case would dominate the run time. */
const BIG = {
  ascii: 'a'.repeat(1_000_000),
  astral: '😀'.repeat(250_000),
  latin: 'é'.repeat(500_000),
  overLimit: 'b'.repeat(1_100_000),
};

export const SQL_INJECTION = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "admin'--",
  '1; SELECT pg_sleep(5)',
  "' UNION SELECT key_hash FROM auth_tokens --",
  '%',
  '_',
  '\\',
  "E'\\x00'",
  '$1',
  '$$; DELETE FROM aaa_profiles; $$',
  '1 OR 1=1',
  "') OR ('a'='a",
];

export const JSON_INJECTION = [
  '{"is_staff": true}',
  '","is_staff":true,"x":"',
  '\\u0000',
  '{"$gt": ""}',
  '</script><script>alert(1)</script>',
  '{"__proto__": {"is_staff": true}}',
  '${jndi:ldap://x}',
  '{{7*7}}',
];

export const NAN_LIKE = ['NaN', 'Infinity', '-Infinity', '1e309', '0x1F', ' 12 ', '12abc', '١٢٣', '１２', '½', '', ' ', 'null', 'undefined', 'true', '-0', '+1', '1.0', '1e3', '0b11', '1_000'];

export const UNICODE = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff\ud800',
  '𝕏𝔞𝔪𝔭𝔩𝔢😀',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  'שלום',
  '\u200B\u200C\u200D\uFEFF',
  'e\u0301\u0301\u0301',
  'ǅ',
  '\u2028\u2029',
  '\u001b[31mred',
  '\r\nX-Injected: 1',
  'İstanbul',
  'ß',
];

const HUGE_NUMBERS: unknown[] = [
  1e308,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 63,
  4294967296,
  2147483648,
  1e21,
  Number.MAX_VALUE,
  new RawJson('1e999'),
  new RawJson('123456789012345678901234567890'),
  new RawJson('9223372036854775808'),
  new RawJson('18446744073709551616'),
];

const NEGATIVE: unknown[] = [-1, -2147483648, -2147483649, -1e308, -0.5, -(2 ** 53), new RawJson('-1e999'), new RawJson('-9223372036854775809')];
const NEGATIVE_ZERO: unknown[] = [new RawJson('-0'), new RawJson('-0.0'), new RawJson('-0e0'), new RawJson('0e-999')];

const smallJson = fc.jsonValue({ maxDepth: 2 });

/** Deep nesting as raw text: arrays or objects up to 100,000 levels (200 KB). */
const deepNesting: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom(5, 64, 1000, 10_000, 100_000), fc.constantFrom('array', 'object'))
  .map(([depth, kind]) =>
    new RawJson(kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
  );

/** A bad (or at least unusual) value for a body field, tagged by input class. */
export const badValue: fc.Arbitrary<Tagged<unknown>> = fc.oneof(
  { weight: 4, arbitrary: tag('wrong-type', fc.oneof(fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 20 }), smallJson)) },
  { weight: 2, arbitrary: tag('huge-number', fc.constantFrom(...HUGE_NUMBERS)) },
  { weight: 2, arbitrary: tag('negative', fc.constantFrom(...NEGATIVE)) },
  { weight: 1, arbitrary: tag('negative-zero', fc.constantFrom(...NEGATIVE_ZERO)) },
  { weight: 2, arbitrary: tag('nan-like-string', fc.constantFrom(...NAN_LIKE)) },
  {
    weight: 3,
    arbitrary: tag('unicode', fc.oneof(fc.constantFrom(...UNICODE), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }))),
  },
  { weight: 1, arbitrary: tag('big-string', fc.constantFrom(BIG.ascii, BIG.astral, BIG.latin, BIG.ascii.slice(0, 300), BIG.ascii.slice(0, 129), BIG.ascii.slice(0, 254))) },
  { weight: 2, arbitrary: tag('sql-injection', fc.constantFrom(...SQL_INJECTION)) },
  { weight: 2, arbitrary: tag('json-injection', fc.oneof(fc.constantFrom(...JSON_INJECTION), fc.constantFrom(...JSON_INJECTION).map((text) => new RawJson(text.startsWith('{') ? text : JSON.stringify(text))))) },
  { weight: 1, arbitrary: tag('deep-nesting', deepNesting) },
  { weight: 2, arbitrary: tag('array', fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null)), { maxLength: 40 })) },
  { weight: 1, arbitrary: tag('null', fc.constant(null)) },
);

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];

// ---- Bodies -------------------------------------------------------------------------------------

export interface GeneratedBody {
  /** The exact body bytes, or undefined for no body. */
  text?: string;
  contentType?: string;
  tags: string[];
}

/** A body the schema calls valid, made unique where a unique value matters (usernames). */
function baseEntries(properties: BodyProperty[], unique: string): [string, unknown][] {
  return properties.map((property) => {
    if (property.name === 'username' || property.name === 'User-Name') return [property.name, `fz_${unique}`];
    if (property.name === 'Acct-Session-Id') return [property.name, unique];
    return [property.name, property.example];
  });
}

/** One to three fields of the valid body replaced with bad values; sometimes required fields dropped, extras added. */
function mutatedBody(properties: BodyProperty[]): fc.Arbitrary<GeneratedBody> {
  return fc
    .record({
      unique: fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 6, maxLength: 10 }),
      mutations: fc.array(fc.tuple(fc.nat(), badValue), { minLength: properties.length ? 1 : 0, maxLength: 3 }),
      drop: fc.array(fc.nat(), { maxLength: 2 }),
      extras: fc.array(
        fc.tuple(
          fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength: 12 }) }, { weight: 2, arbitrary: fc.constantFrom(...PROTO_KEYS, 'is_staff', 'id', 'role', 'balance', 'token') }),
          badValue,
        ),
        { maxLength: 2 },
      ),
      duplicate: fc.boolean(),
    })
    .map(({ unique, mutations, drop, extras, duplicate }) => {
      const tags = new Set<string>(['mutated-fields']);
      let entries = baseEntries(properties, unique);
      for (const [index, bad] of mutations) {
        if (entries.length === 0) break;
        entries[index % entries.length]![1] = bad.value;
        bad.tags.forEach((name) => tags.add(name));
      }
      if (drop.length > 0 && entries.length > 0) {
        const names = new Set(drop.map((index) => entries[index % entries.length]![0]));
        entries = entries.filter(([name]) => !names.has(name));
        tags.add('missing-fields');
      }
      for (const [key, bad] of extras) {
        entries.push([key, bad.value]);
        tags.add(PROTO_KEYS.includes(key) ? 'prototype-keys' : 'extra-fields');
        bad.tags.forEach((name) => tags.add(name));
      }
      if (duplicate && entries.length > 0) {
        // {"a": <valid>, ..., "a": <bad>}: which one wins must not matter for safety.
        entries = [[entries[0]![0], 'dup'], ...entries];
        tags.add('duplicate-keys');
      }
      return { text: toJson(new Entries(entries)), contentType: 'application/json', tags: [...tags] };
    });
}

const MALFORMED_JSON = [
  '{',
  '{"a":}',
  "{'username': 'x'}",
  '{"a":1,}',
  '{"a":1}{"b":2}',
  '{"a":NaN}',
  '{"a":Infinity}',
  '{"a":undefined}',
  '{"a":1 /* c */}',
  '\uFEFF{}',
  '{"a":"\\x41"}',
  '{"a":"\\ud800"}',
  '{"a":"unterminated',
  '{"a"\u0000:1}',
  '{"__proto__":{"is_staff":true}}',
  '{"constructor":{"prototype":{"is_staff":true}}}',
  '{"a":{"__proto__":{"x":1}}}',
  '[',
  ']',
  'nul',
  '{"a":01}',
  '{"a":.5}',
  '{"a":+1}',
  '{"a":1e}',
];

/** Whole bodies that are not a usable JSON object, or not JSON at all. */
const wholeBody: fc.Arbitrary<GeneratedBody> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .oneof(fc.constantFrom('null', 'true', '0', '-0', '"text"', '[]', '[{}]', '1e999', '""'), smallJson.map((value) => JSON.stringify(value)))
      .map((text): GeneratedBody => ({ text, contentType: 'application/json', tags: ['not-an-object'] })),
  },
  { weight: 3, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((text): GeneratedBody => ({ text, contentType: 'application/json', tags: ['malformed-json'] })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...PROTO_KEYS).chain((key) =>
      badValue.map((bad): GeneratedBody => ({ text: toJson(new Entries([[key, bad.value]])), contentType: 'application/json', tags: ['prototype-keys', ...bad.tags] })),
    ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16', 'application/jsonx', '*/*', ''),
        fc.constantFrom('{"username":"x"}', 'username=x&password=y', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', '<a/>'),
      )
      .map(([contentType, text]): GeneratedBody => ({ text, contentType: contentType || undefined, tags: ['wrong-content-type'] })),
  },
  { weight: 1, arbitrary: fc.constantFrom<GeneratedBody>({ tags: ['empty-body'] }, { text: '', contentType: 'application/json', tags: ['empty-body'] }) },
  {
    weight: 1,
    arbitrary: fc.constant<GeneratedBody>({ text: `{"username":${JSON.stringify(BIG.overLimit)}}`, contentType: 'application/json', tags: ['oversized-body'] }),
  },
  { weight: 1, arbitrary: deepNesting.map((raw): GeneratedBody => ({ text: toJson(raw), contentType: 'application/json', tags: ['deep-nesting', 'not-an-object'] })) },
);

/** Bodies for a route with a documented body schema: mostly near-valid bodies, so validation is reached field by field. */
export function bodyArbitrary(route: Route): fc.Arbitrary<GeneratedBody> {
  const properties = route.body ?? [];
  return fc.oneof({ weight: 6, arbitrary: mutatedBody(properties) }, { weight: 4, arbitrary: wholeBody });
}

/** Bodies for routes without one (GET, DELETE, logout): usually none, sometimes garbage that must be ignored or refused. */
export const strayBody: fc.Arbitrary<GeneratedBody> = fc.oneof(
  { weight: 4, arbitrary: fc.constant<GeneratedBody>({ tags: [] }) },
  { weight: 1, arbitrary: wholeBody.map((body) => ({ ...body, tags: [...body.tags, 'stray-body'] })) },
);

// ---- Query strings ------------------------------------------------------------------------------

/** Every query parameter any list route documents, plus junk and prototype keys. */
export const QUERY_KEYS = ['page', 'page_size', 'limit', 'offset', 'balance', 'username', 'organization', 'status', 'nas_identifier', 'is_active', 'is_staff'];

const queryValue: fc.Arbitrary<Tagged<string>> = fc.oneof(
  { weight: 3, arbitrary: tag('nan-like-string', fc.constantFrom(...NAN_LIKE)) },
  { weight: 2, arbitrary: tag('huge-number', fc.constantFrom('1e308', '9007199254740993', '99999999999999999999999', '2147483648', '4294967296', '9223372036854775808', String(Number.MAX_SAFE_INTEGER))) },
  { weight: 2, arbitrary: tag('negative', fc.constantFrom('-1', '-0', '-9223372036854775809', '-2147483649', '- 1')) },
  { weight: 2, arbitrary: tag('unicode', fc.oneof(fc.constantFrom(...UNICODE), fc.string({ unit: 'binary', maxLength: 20 }))) },
  { weight: 2, arbitrary: tag('sql-injection', fc.constantFrom(...SQL_INJECTION)) },
  { weight: 1, arbitrary: tag('json-injection', fc.constantFrom(...JSON_INJECTION)) },
  // Node refuses request heads over 16 KB itself (431, before the app): query values stay below that.
  { weight: 1, arbitrary: tag('big-string', fc.constantFrom('x'.repeat(2000), '😀'.repeat(150))) },
  { weight: 2, arbitrary: tag('wrong-type', fc.oneof(fc.string({ maxLength: 12 }), fc.integer().map(String), fc.double().map(String))) },
);

export interface GeneratedQuery {
  /** `?a=b&...` already encoded, or ''. */
  text: string;
  tags: string[];
}

/** Query strings: documented and undocumented keys, garbage values, repeated keys, broken percent-encoding. */
export function queryArbitrary(route: Route): fc.Arbitrary<GeneratedQuery> {
  const keys = [...new Set([...route.queryParams, ...QUERY_KEYS])];
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(route.queryParams.length ? route.queryParams : keys)) },
    { weight: 2, arbitrary: fc.constantFrom(...keys) },
    { weight: 1, arbitrary: fc.oneof(fc.constantFrom(...PROTO_KEYS, 'a[b]', 'page[]', ''), fc.string({ maxLength: 8 })) },
  );
  const pair = fc.tuple(key, queryValue, fc.nat({ max: 9 }));
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<GeneratedQuery>({ text: '', tags: [] }) },
    {
      weight: 8,
      arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => {
        const tags = new Set<string>(['query-garbage']);
        const parts: string[] = [];
        for (const [name, value, repeat] of pairs) {
          value.tags.forEach((item) => tags.add(item));
          if (!route.queryParams.includes(name)) tags.add('query-unknown-key');
          parts.push(`${percentEncode(name)}=${percentEncode(value.value)}`);
          if (repeat < 2) {
            // Repeated parameter: `?limit=5&limit=<garbage>` (the last one wins, as in Django).
            parts.push(`${percentEncode(name)}=${repeat === 0 ? '5' : percentEncode(value.value)}`);
            tags.add('query-repeated');
          }
        }
        return { text: `?${parts.join('&')}`, tags: [...tags] };
      }),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...keys).chain((name) =>
        fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%FF', '&&&', '=', '==x', '+%2B+').map((raw) => ({
          text: `?${name}=${raw}`,
          tags: ['query-garbage', 'query-bad-percent-encoding'],
        })),
      ),
    },
  );
}

// ---- Path ids -----------------------------------------------------------------------------------

export interface GeneratedPathId {
  /** The encoded path segment. */
  segment: string;
  tags: string[];
}

/**
 * Path ids for `{id}` / `{user_id}` (integers) and `{uuid}`: real ids (so requests reach the body),
 * non-integers, huge and negative numbers, uuid garbage, encoded slashes, unicode, SQL.
 * `valid` gives real ids of fixture subscribers; `forbidden` tells which numeric ids must never be
 * generated (the callers' own accounts, so a valid DELETE cannot remove the fuzzer's credentials).
 */
export function pathIdArbitrary(param: string, valid: string[], forbidden: (segment: string) => boolean): fc.Arbitrary<GeneratedPathId> {
  const encoded = (name: string, arbitrary: fc.Arbitrary<string>) => arbitrary.map((value) => ({ segment: percentEncode(value), tags: [name] }));
  const raw = (name: string, values: string[]) => fc.constantFrom(...values).map((segment) => ({ segment, tags: [name] }));
  const uuidGarbage = fc.oneof(
    fc.uuid().map((uuid) => uuid.replaceAll('-', '')),
    fc.uuid(),
    fc.uuid().map((uuid) => `{${uuid}}`),
    fc.uuid().map((uuid) => uuid.toUpperCase()),
    fc.uuid().map((uuid) => ` ${uuid.replaceAll('-', '')} `),
    fc.uuid().map((uuid) => uuid.replaceAll('-', '').slice(0, 31)),
    fc.uuid().map((uuid) => `${uuid.replaceAll('-', '')}0`),
    fc.uuid().map((uuid) => uuid.replaceAll('-', '').replace(/^./, 'g')),
    fc.constantFrom('00000000000000000000000000000000', 'ffffffffffffffffffffffffffffffff', '00000000-0000-0000-0000-000000000000'),
  );
  return fc
    .oneof(
      { weight: 4, arbitrary: valid.length ? fc.constantFrom(...valid).map((segment) => ({ segment, tags: ['path-valid-id'] })) : raw('path-non-integer', ['x']) },
      { weight: 2, arbitrary: encoded('path-non-integer', fc.constantFrom(...NAN_LIKE.filter((value) => value !== ''), '1.5', '1e3', '0x10', '1;2', 'null', 'me', '[1]', '{"a":1}')) },
      { weight: 2, arbitrary: encoded('path-huge', fc.constantFrom('2147483648', '4294967296', '9223372036854775807', '9223372036854775808', '99999999999999999999999999', '1'.repeat(150), '1e308')) },
      { weight: 1, arbitrary: encoded('path-huge', fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String)) },
      { weight: 2, arbitrary: encoded('path-negative', fc.constantFrom('-1', '-0', '0', '-2147483648', '-9223372036854775809', '00', '007')) },
      { weight: param === 'uuid' ? 4 : 1, arbitrary: encoded('path-uuid-garbage', uuidGarbage) },
      { weight: 2, arbitrary: raw('path-encoded-slash', ['%2F', '..%2F..%2Fhealth%2Flive', '%2E%2E', '1%2F2', '%5C', '1%3F', '1%23', '%20', '1%00', '%00']) },
      { weight: 2, arbitrary: encoded('path-unicode', fc.oneof(fc.constantFrom(...UNICODE, '١٢', '１'), fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }))) },
      { weight: 1, arbitrary: encoded('path-sql-injection', fc.constantFrom(...SQL_INJECTION)) },
      { weight: 1, arbitrary: raw('path-bad-percent-encoding', ['%', '%zz', '%E0%A4%A', '%C0%AF', '%FF']) },
    )
    .filter((id) => !forbidden(id.segment));
}

// ---- Authorization headers ----------------------------------------------------------------------

const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code)), maxLength: 60 });

/** Malformed `Authorization` values (built around a real key so near-misses are tried too). */
export function malformedAuthorization(validKey: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '',
      'Token',
      'Bearer',
      'Token ',
      'Basic dXNlcjpwYXNzd29yZA==',
      'Digest username="x"',
      `Token ${validKey} extra`,
      `Token ${validKey.toUpperCase()}`,
      `Token ${validKey.slice(0, -1)}`,
      `Token ${validKey}0`,
      `Tokens ${validKey}`,
      validKey,
      `Token "${validKey}"`,
      `Token ${'f'.repeat(40)}`,
      `Token ${'a'.repeat(8000)}`,
      "Token ' OR '1'='1",
      'Token \u00ff\u00fe\u00e9',
      'Bearer null',
      'Bearer undefined',
      'Token 0',
    ),
    headerText.map((text) => `Token ${text}`),
    headerText.map((text) => `Bearer ${text}`),
    headerText,
  );
}
