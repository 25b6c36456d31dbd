import { Body, ValidationPipe } from '@nestjs/common';
import { BodyDepthPipe } from './body-depth.pipe';

const validation = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: false });

/**
 * The request body, checked: nested too deep → 400 before ValidationPipe walks it recursively; not matching its DTO
 * → 400. Bound to the body, not global: Nest runs global pipes on every parameter of every route (@Session()
 * included), which cost GET /me ~20 µs of ~90 on Fastify (`npm run bench`, sample-fastify with and without them).
 */
export const ValidBody = () => Body(new BodyDepthPipe(), validation);
