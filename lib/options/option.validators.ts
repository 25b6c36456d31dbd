import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import {
  IsBoolean, IsIn, IsInt, IsObject, IsString, Matches, Min, ValidateIf, ValidateNested, ValidationArguments,
} from 'class-validator';

/**
 * The shapes SessionModule options take, one decorator each. `must(…)` is the message users see at boot
 * (`idleTimeoutSeconds must be a positive integer, got -5`). @internal
 */
export const must = (text: string) => ({
  message: (a: ValidationArguments) => `must ${text}, got ${JSON.stringify(a.value)}`,
});

/** Like IsOptional, for undefined only: a null is checked, and refused, like any other wrong value (not a TypeError). */
export const Given = () => ValidateIf((_, value) => value !== undefined);

// Values from the environment arrive as strings (ConfigService.get gives "600"): a decimal integer, "true" or "false"
// is taken as such; anything else is left for the check to refuse with the value the app passed.
const integerFromString = Transform(({ value }) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value));
const booleanFromString = Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));
const optionalInt = (min: number, text: string) =>
  applyDecorators(Given(), integerFromString, IsInt(must(text)), Min(min, must(text)));

export const OptionalPositiveInt = () => optionalInt(1, 'be a positive integer');
export const OptionalNonNegativeInt = () => optionalInt(0, 'be a non-negative integer');
export const OptionalBoolean = () => applyDecorators(Given(), booleanFromString, IsBoolean(must('be a boolean')));
export const OptionalOneOf = (values: readonly string[]) =>
  applyDecorators(Given(), IsIn(values as string[], must(`be one of ${values.join(', ')}`)));
export const OptionalString = () => applyDecorators(Given(), IsString(must('be a string')));
export const OptionalMatches = (pattern: RegExp, text: string) =>
  applyDecorators(Given(), Matches(pattern, must(text)));
export const OptionalCookieName = () => OptionalMatches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'be a valid cookie name');
/** A nested options object, validated as an instance of `cls`. */
export const OptionalNested = (cls: new () => object) =>
  applyDecorators(Given(), IsObject(must('be an object')), ValidateNested(), Type(() => cls));
