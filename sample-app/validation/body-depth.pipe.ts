import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { nestsDeeperThan } from './nesting-depth';

/** Deepest body the app accepts. Its DTOs need two levels; 32 leaves room without inviting recursion. */
export const MAX_BODY_DEPTH = 32;

/**
 * Refuses deeply nested request bodies with 400 before ValidationPipe sees them: class-transformer and
 * class-validator walk a body recursively, so a body of thousands of nested arrays (small enough for the parser)
 * overflows the stack and would answer 500. Register it before ValidationPipe.
 */
@Injectable()
export class BodyDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && nestsDeeperThan(value, MAX_BODY_DEPTH)) {
      throw new BadRequestException(`Request body is nested more than ${MAX_BODY_DEPTH} levels deep`);
    }
    return value;
  }
}
