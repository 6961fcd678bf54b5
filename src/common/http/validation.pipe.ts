import { ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { DomainError, type FieldErrors } from '../errors/domain-error.js';

function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/** class-validator errors → DRF's `{"field": ["message", ...]}`; nested properties use dotted names. */
export function toFieldErrors(errors: ValidationError[], prefix = ''): FieldErrors {
  const result: FieldErrors = {};
  for (const error of errors) {
    const field = `${prefix}${error.property}`;
    const constraints = error.constraints ?? {};
    let messages: string[];
    if ('whitelistValidation' in constraints) messages = ['Unknown field.'];
    else if (error.value === undefined && Object.keys(constraints).length > 0) messages = ['This field is required.'];
    else if (error.value === null && Object.keys(constraints).length > 0) messages = ['This field may not be null.'];
    else messages = [...new Set(Object.values(constraints))];
    if (messages.length > 0) result[field] = messages;
    if (error.children?.length) Object.assign(result, toFieldErrors(error.children, `${field}.`));
  }
  return result;
}

const NULL_CHARACTERS = 'Null characters are not allowed.';
/** No request DTO nests; class-transformer recurses, so hostile depth would overflow the stack (a 500). */
const MAX_NESTING = 32;
const TOO_DEEP = `Nested more than ${MAX_NESTING} levels deep.`;

/** Walks a value without recursion: the first problem found (too deep, or a string with U+0000), if any. */
function inspect(value: unknown): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return NULL_CHARACTERS;
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth > MAX_NESTING) return TOO_DEEP;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * Checks every body field before class-transformer and the SQL see it: PostgreSQL text cannot hold
 * U+0000 (the statement fails), so, like DRF's ProhibitNullCharactersValidator on every CharField, a
 * string with one is a 400 naming its field; so is a value nested deeper than any DTO goes.
 */
function rejectUnsafeValues(body: Record<string, unknown>): void {
  const errors: FieldErrors = {};
  for (const [key, value] of Object.entries(body)) {
    const problem = inspect(value);
    if (problem) errors[key] = [problem];
  }
  if (Object.keys(errors).length > 0) throw DomainError.validation(errors);
}

/**
 * Body keys the DTO does not declare that got past the whitelist: keys such as `constructor`,
 * `prototype` or `valueOf` are dropped (by Nest's pipe or class-transformer) before class-validator
 * looks, so they would otherwise be accepted silently.
 */
function rejectDroppedFields(keys: string[], metatype: Function): void {
  const known = new Set(getMetadataStorage().getTargetValidationMetadatas(metatype, '', false, false).map((rule) => rule.propertyName));
  const unknown = keys.filter((key) => !known.has(key));
  if (unknown.length > 0) throw DomainError.validation(Object.fromEntries(unknown.map((key) => [key, ['Unknown field.']])));
}

/**
 * Validates request DTOs the way a DRF serializer would: the body must be a JSON object, unknown
 * fields are rejected, so are strings with NUL characters and absurdly nested values, and failures
 * come back as a field → messages map with a 400.
 */
@Injectable()
export class DrfValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      forbidUnknownValues: true,
      validationError: { target: false, value: true },
      exceptionFactory: (errors) => DomainError.validation(toFieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type === 'body' && metadata.metatype && metadata.metatype !== Object) {
      const body = value === undefined ? {} : value;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw DomainError.field('non_field_errors', `Invalid data. Expected a dictionary, but got ${describeJsonType(body)}.`);
      }
      rejectUnsafeValues(body as Record<string, unknown>);
      // Read before validating: Nest's ValidationPipe deletes `constructor` / `__proto__` keys in place.
      const keys = Object.keys(body);
      const dto: unknown = await super.transform(body, metadata);
      rejectDroppedFields(keys, metadata.metatype);
      return dto;
    }
    return super.transform(value, metadata);
  }
}
