import { registerDecorator } from 'class-validator';

/**
 * One field's rule as a pure check: the first problem as Django REST framework words it, or
 * undefined when the value is valid. Request DTOs apply rules with `@SatisfiesRule`; services and
 * the CLI call the same functions, so a rule and its message live in one place.
 */
export type FieldRule = (value: unknown) => string | undefined;

/** Validates a DTO property with a FieldRule; the rule's message becomes the field's error. */
export function SatisfiesRule(rule: FieldRule): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'fieldRule',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value: unknown) => rule(value) === undefined,
        defaultMessage: (args) => rule(args?.value) ?? 'Invalid value.',
      },
    });
  };
}
