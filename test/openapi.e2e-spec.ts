import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { Role } from '../src/auth/policy.js';
import { createTestApp, TEST_PUBLIC_URL, type TestApp } from './support/test-app.js';

type Json = Record<string, unknown>;
interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content?: Record<string, MediaType> };
  responses?: Record<string, { content?: Record<string, MediaType> }>;
}
interface MediaType {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/** A JSON pointer segment inside a `$ref` URI fragment. */
const segment = (key: string) => encodeURIComponent(key.replaceAll('~', '~0').replaceAll('/', '~1'));

/** Every `example` in the document's schemas and every media type example, with the JSON pointer of the schema it must match. */
function examplesOf(document: Json): { where: string; schemaPointer: string; value: unknown }[] {
  const found: { where: string; schemaPointer: string; value: unknown }[] = [];
  const walkSchema = (schema: unknown, pointer: string) => {
    if (schema === null || typeof schema !== 'object') return;
    if (Array.isArray(schema)) {
      schema.forEach((item, index) => walkSchema(item, `${pointer}/${index}`));
      return;
    }
    const object = schema as Json;
    if ('example' in object) found.push({ where: pointer, schemaPointer: pointer, value: object.example });
    for (const [key, value] of Object.entries(object)) {
      if (key !== 'example' && key !== 'examples') walkSchema(value, `${pointer}/${segment(key)}`);
    }
  };
  const components = (document.components as { schemas: Json }).schemas;
  for (const name of Object.keys(components)) walkSchema(components[name], `/components/schemas/${segment(name)}`);

  const media = (content: Record<string, MediaType> | undefined, pointer: string) => {
    for (const [type, entry] of Object.entries(content ?? {})) {
      const schemaPointer = `${pointer}/content/${segment(type)}/schema`;
      if (!entry.schema) continue;
      walkSchema(entry.schema, schemaPointer);
      if ('example' in entry) found.push({ where: `${pointer} ${type} example`, schemaPointer, value: entry.example });
      for (const [name, example] of Object.entries(entry.examples ?? {})) {
        found.push({ where: `${pointer} ${type} examples.${name}`, schemaPointer, value: example.value });
      }
    }
  };
  for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, Operation>>)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const pointer = `/paths/${segment(path)}/${method}`;
      media(operation.requestBody?.content, `${pointer}/requestBody`);
      for (const [status, response] of Object.entries(operation.responses ?? {})) media(response.content, `${pointer}/responses/${status}`);
    }
  }
  return found;
}

describe('the OpenAPI document (/api/schema/)', () => {
  let t: TestApp;
  let document: Json;

  beforeAll(async () => {
    t = await createTestApp();
    document = (await t.api().get('/api/schema/').expect(200)).body as Json;
  });
  afterAll(async () => {
    await t?.close();
  });

  const operations = () =>
    Object.entries(document.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      HTTP_METHODS.filter((method) => item[method]).map((method) => ({ key: `${method.toUpperCase()} ${path}`, operation: item[method]! })),
    );

  describe('security', () => {
    it('lists at most one scheme per header on every operation, so a generated client sends the value it is given', () => {
      const schemes = (document.components as { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> })
        .securitySchemes;
      const headerOf = (name: string) => {
        const scheme = schemes[name]!;
        return scheme.type === 'http' ? 'authorization' : `${scheme.in}:${scheme.name?.toLowerCase()}`;
      };
      for (const { key, operation } of operations()) {
        expect(operation.security).toBeDefined();
        const headers = operation.security!.flatMap((requirement) => Object.keys(requirement).map(headerOf));
        expect({ key, headers: new Set(headers).size }).toEqual({ key, headers: headers.length });
      }
      expect(schemes.tokenAuth).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
      expect(schemes.tokenAuth!).toHaveProperty('description', expect.stringContaining('`Token <key>`'));
    });

    it('documents each access rule: public routes need nothing, /metrics an optional bearer token, the rest tokenAuth', () => {
      const security = Object.fromEntries(operations().map(({ key, operation }) => [key, operation.security]));
      expect(security['GET /health/live']).toEqual([]);
      expect(security['POST /api/auth/login/']).toEqual([]);
      expect(security['GET /metrics']).toEqual([{}, { metricsAuth: [] }]);
      expect((document.components as { securitySchemes: Json }).securitySchemes.metricsAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
      for (const key of ['GET /api/auth-tokens/', 'DELETE /api/v1/user_token/{id}/', 'POST /api/v1/accounting/', 'GET /api/users/me/', 'GET /api/v1/nas/']) {
        expect({ key, security: security[key] }).toEqual({ key, security: [{ tokenAuth: [] }] });
      }
    });
  });

  describe('examples', () => {
    it('validate against their schemas (ajv, every example in the document)', () => {
      const ajv = new Ajv({ strict: false, allErrors: true });
      addFormats.default(ajv);
      ajv.addSchema(document, 'openapi');
      const examples = examplesOf(document);
      expect(examples.length).toBeGreaterThan(20);
      const invalid = examples
        .map(({ where, schemaPointer, value }) => {
          const valid = ajv.validate({ $ref: `openapi#${schemaPointer}` }, value);
          return valid ? undefined : { where, errors: ajv.errorsText(ajv.errors) };
        })
        .filter((entry) => entry !== undefined);
      expect(invalid).toEqual([]);
      // The validator is not vacuous: what the schema excludes fails.
      const body = { $ref: 'openapi#/components/schemas/AccountingRequestDto' };
      expect(ajv.validate(body, { 'Acct-Status-Type': 4, 'User-Name': 'jane' })).toBe(false);
      expect(ajv.validate(body, { 'Acct-Status-Type': 'Start', 'User-Name': { type: 'string', value: ['jane'] } })).toBe(false);
      expect(ajv.validate(body, { 'Acct-Status-Type': { type: 'integer', value: ['Start', 'Stop'] } })).toBe(false);
    });

    it('describe the accounting body as a oneOf of the plain and the rlm_rest typed form', () => {
      const schemas = (document.components as { schemas: Record<string, Json> }).schemas;
      expect(schemas.AccountingRequestDto).toMatchObject({
        oneOf: [{ $ref: '#/components/schemas/AccountingRequestPlain' }, { $ref: '#/components/schemas/AccountingRequestRlmRest' }],
      });
      const plain = schemas.AccountingRequestPlain!.properties as Record<string, Json>;
      expect(plain['Acct-Status-Type']!.oneOf).toEqual([expect.objectContaining({ type: 'string' }), { type: 'integer', enum: [1, 3, 2, 7, 8] }]);
      expect(plain['Event-Timestamp']!.oneOf).toEqual([expect.objectContaining({ type: 'integer' }), expect.objectContaining({ type: 'string' })]);
      const typed = schemas.AccountingRequestRlmRest!.properties as Record<string, Json>;
      expect(typed['User-Name']).toMatchObject({ type: 'object', required: ['type', 'value'], properties: { value: { type: 'array', maxItems: 1 } } });
    });

    it('of POST /api/v1/accounting/ are each taken by the service (2xx)', async () => {
      const gateway = await t.factories.subscriber({ role: Role.Gateway });
      const paths = document.paths as Record<string, Record<string, Operation>>;
      const examples = paths['/api/v1/accounting/']!.post!.requestBody!.content!['application/json']!.examples!;
      expect(Object.keys(examples)).toEqual(['start', 'interim', 'stop', 'accountingOn']);
      for (const [name, example] of Object.entries(examples)) {
        const response = await t.api().post('/api/v1/accounting/').set('Authorization', `Bearer ${gateway.token}`).send(example.value as object);
        expect({ name, status: response.status, body: response.body }).toEqual({ name, status: 200, body: expect.objectContaining({ result: expect.any(String) }) });
      }
    });
  });

  describe('served under another host name than PUBLIC_URL', () => {
    const HOST = 'aaa.other-name.example:8443';

    it('names no absolute server: "Try it out" and generated clients call the host the schema came from', async () => {
      const schema = await t.api().get('/api/schema/').set('Host', HOST).expect(200);
      expect(schema.body.servers).toEqual([{ url: '/', description: expect.any(String) }]);
      expect(JSON.stringify(schema.body)).not.toContain(TEST_PUBLIC_URL);
      const init = await t.api().get('/api/docs/swagger-ui-init.js').set('Host', HOST).expect(200);
      expect(init.text).toContain('"url": "/"');
      expect(init.text).not.toContain(TEST_PUBLIC_URL);
    });

    it("serves /api/docs/ with a CSP whose connect-src is the page's own origin ('self'), whatever its host", async () => {
      const page = await t.api().get('/api/docs/').set('Host', HOST).expect(200);
      const csp = String(page.headers['content-security-policy']);
      const directives = Object.fromEntries(csp.split(';').map((directive) => directive.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
      expect(directives['connect-src']).toEqual(["'self'"]);
      expect(csp).not.toMatch(/https?:\/\//);
      expect(page.text).toContain('src="./swagger-ui-init.js"');
    });
  });
});
