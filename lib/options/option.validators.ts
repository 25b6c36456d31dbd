import { applyDecorators } from '@nestjs/common';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Min, ValidateNested, ValidationArguments } from 'class-validator';

/**
 * The few shapes SessionModule options take, each as one decorator with the message users see at boot
 * (`<option> must be a positive integer, got -5`).
 * @internal
 */
export const got = (a: ValidationArguments) => `, got ${JSON.stringify(a.value)}`;

const positive = { message: (a: ValidationArguments) => `must be a positive integer${got(a)}` };
const nonNegative = { message: (a: ValidationArguments) => `must be a non-negative integer${got(a)}` };

/**
 * Values from the environment arrive as strings (ConfigService.get('SESSION_IDLE_SECONDS') is "600"): an integer
 * written in decimal is taken as that integer, "true"/"false" as booleans. Anything else is left for the check to
 * refuse with the value the app passed.
 */
const integerFromString = Transform(({ value }) => (typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value));
const booleanFromString = Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value));

export const OptionalPositiveInt = () => applyDecorators(IsOptional(), integerFromString, IsInt(positive), Min(1, positive));

export const OptionalNonNegativeInt = () =>
  applyDecorators(IsOptional(), integerFromString, IsInt(nonNegative), Min(0, nonNegative));

export const OptionalBoolean = () =>
  applyDecorators(IsOptional(), booleanFromString, IsBoolean({ message: (a: ValidationArguments) => `must be a boolean${got(a)}` }));

export const OptionalOneOf = (values: readonly string[]) =>
  applyDecorators(IsOptional(), IsIn(values as string[], { message: (a) => `must be one of ${values.join(', ')}${got(a)}` }));

export const OptionalString = () => applyDecorators(IsOptional(), IsString({ message: (a) => `must be a string${got(a)}` }));

export const OptionalCookieName = () =>
  applyDecorators(IsOptional(), Matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: (a) => `must be a valid cookie name${got(a)}` }));

/** A nested options object, validated as an instance of `cls`. */
export const OptionalNested = (cls: new () => object) => applyDecorators(IsOptional(), ValidateNested(), Type(() => cls));
