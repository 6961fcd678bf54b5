/** The parts of an OpenAPI 3 document the fuzzer reads. */
interface SchemaObject {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
}

interface Operation {
  operationId?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
  security?: Record<string, unknown>[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, SchemaObject> };
}

export interface BodyProperty {
  name: string;
  type: string;
  required: boolean;
  /** A value the schema documents as valid (example, first enum value, or a neutral one by type). */
  example: unknown;
}

/** One documented operation: `POST /api/v1/user_token/{id}` with what it takes. */
export interface Route {
  key: string;
  method: string;
  /** The OpenAPI path template, e.g. `/api/users/{uuid}`. */
  template: string;
  operationId: string;
  pathParam?: string;
  queryParams: string[];
  body?: BodyProperty[];
  /** Documented with a security requirement (needs a token). */
  secured: boolean;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function resolve(document: OpenApiDocument, schema: SchemaObject | undefined): SchemaObject | undefined {
  if (!schema?.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  return document.components?.schemas?.[name];
}

function neutralValue(schema: SchemaObject): unknown {
  if (schema.example !== undefined) return schema.example;
  if (schema.enum?.length) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return {};
    default:
      return 'x';
  }
}

/** Every documented operation of the document, in document order. */
export function routesOf(document: OpenApiDocument): Route[] {
  const routes: Route[] = [];
  for (const [template, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const schema = resolve(document, operation.requestBody?.content?.['application/json']?.schema);
      const required = new Set(schema?.required ?? []);
      routes.push({
        key: `${method.toUpperCase()} ${template}`,
        method: method.toUpperCase(),
        template,
        operationId: operation.operationId ?? `${method} ${template}`,
        pathParam: parameters.find((parameter) => parameter.in === 'path')?.name,
        queryParams: parameters.filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name),
        body: schema
          ? Object.entries(schema.properties ?? {}).map(([name, property]) => {
              const resolved = resolve(document, property) ?? {};
              return { name, type: resolved.type ?? 'string', required: required.has(name), example: neutralValue(resolved) };
            })
          : undefined,
        secured: (operation.security ?? []).length > 0,
      });
    }
  }
  return routes;
}
