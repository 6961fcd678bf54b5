import { ApiProperty } from '@nestjs/swagger';

/** `{"detail": "..."}`: the body of every non-validation error, as Django REST framework sends it. */
export class ErrorDetailDto {
  @ApiProperty({ example: 'Not found.' })
  detail!: string;
}

/**
 * Validation failures: a map from field name to messages (`non_field_errors` for the body as a whole).
 * Documented as an object with string-array values, e.g. `{"username": ["This field is required."]}`.
 */
export class FieldErrorsDto {
  [field: string]: string[];
}
