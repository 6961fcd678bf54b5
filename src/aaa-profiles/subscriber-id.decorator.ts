import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error.js';
import { parsePathId } from '../common/http/path-id.js';

/**
 * The `{id}` path parameter as a user id. Not an integer, or outside PostgreSQL's int4 range:
 * 404 "Not found." (as DRF's get_object_or_404), never a 400 or a 500.
 */
export const SubscriberId = createParamDecorator((_: unknown, context: ExecutionContext): number => {
  const params = context.switchToHttp().getRequest<{ params?: Record<string, string | undefined> }>().params ?? {};
  const id = parsePathId(params.id);
  if (id === undefined) throw DomainError.notFound();
  return id;
});
