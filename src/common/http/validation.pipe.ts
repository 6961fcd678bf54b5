import { ArgumentMetadata, Injectable, ValidationPipe, type ValidationError } from '@nestjs/common';
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

/**
 * Validates request DTOs the way a DRF serializer would: the body must be a JSON object, unknown
 * fields are rejected, and failures come back as a field → messages map with a 400.
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
      return super.transform(body, metadata);
    }
    return super.transform(value, metadata);
  }
}
