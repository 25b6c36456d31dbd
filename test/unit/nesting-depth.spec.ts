import { BadRequestException } from '@nestjs/common';
import { BodyDepthPipe, MAX_BODY_DEPTH } from '../../sample-app/validation/body-depth.pipe';
import { nestsDeeperThan } from '../../sample-app/validation/nesting-depth';

/** `levels` arrays, one inside the other, built without recursion. */
function nested(levels: number): unknown[] {
  const outer: unknown[] = [];
  let inner = outer;
  for (let i = 1; i < levels; i++) {
    const next: unknown[] = [];
    inner.push(next);
    inner = next;
  }
  return outer;
}

// The depth check that keeps deep bodies away from ValidationPipe's recursion: it must count levels the way the
// limit is documented, and never recurse itself.
describe('nestsDeeperThan', () => {
  it('counts each array or object as one level; values inside them add none', () => {
    expect(nestsDeeperThan('text', 0)).toBe(false);
    expect(nestsDeeperThan(null, 0)).toBe(false);
    expect(nestsDeeperThan({}, 0)).toBe(true);
    expect(nestsDeeperThan({}, 1)).toBe(false);
    expect(nestsDeeperThan({ a: [1, 'x', null] }, 2)).toBe(false);
    expect(nestsDeeperThan({ a: [1, 'x', { b: true }] }, 2)).toBe(true);
  });

  it('finds the one deep branch among shallow ones', () => {
    // The root, c, and the ten arrays under d: twelve levels.
    const body = { a: 1, b: [[]], c: { d: nested(10) } };
    expect(nestsDeeperThan(body, 12)).toBe(false);
    expect(nestsDeeperThan(body, 11)).toBe(true);
  });

  it('handles 1,000,000 levels without a stack overflow', () => {
    expect(nestsDeeperThan(nested(1_000_000), MAX_BODY_DEPTH)).toBe(true);
  });
});

describe('BodyDepthPipe', () => {
  const pipe = new BodyDepthPipe();

  it(`passes a body ${MAX_BODY_DEPTH} levels deep through unchanged and refuses one more with 400`, () => {
    const ok = nested(MAX_BODY_DEPTH);
    expect(pipe.transform(ok, { type: 'body' })).toBe(ok);
    expect(() => pipe.transform(nested(MAX_BODY_DEPTH + 1), { type: 'body' })).toThrow(BadRequestException);
  });

  it('looks only at bodies (a session from @Session() or a route parameter is not its business)', () => {
    const deep = nested(MAX_BODY_DEPTH + 1);
    expect(pipe.transform(deep, { type: 'custom' })).toBe(deep);
    expect(pipe.transform(deep, { type: 'query' })).toBe(deep);
  });
});
