/** The properties the checker asserts; every failure names one of them. */
export const INVARIANTS = {
  lostWrite: 'invariant 1 (an acknowledged write is kept while its session lives; ended sessions leave no key)',
  resurrection: 'invariant 2 (an ended session, or a token that was replaced, is never accepted again)',
  index: 'invariant 3 (user index equals the live sessions; every key has a TTL)',
  events: 'invariant 4 (every session end is claimed exactly once, under a stable public id)',
  no5xx: 'invariant 5 (no 5xx while Redis is up)',
  conformance: 'model conformance (a live session refused, a wrong user, an unexpected status)',
} as const;

export type InvariantName = keyof typeof INVARIANTS;

/** What one world of the model says is wrong with one observation. */
export class Violation {
  constructor(readonly invariant: InvariantName, readonly message: string) {}

  toString(): string {
    return `${INVARIANTS[this.invariant]}: ${this.message}`;
  }
}

/** The error a run fails with: the invariant, where it broke, and the tail of what happened before. */
export class InvariantViolationError extends Error {
  constructor(readonly invariant: InvariantName, where: string, detail: string, trace: string) {
    super(`${INVARIANTS[invariant]}\n  at ${where}\n  ${detail}\n  trace (latest last):\n${trace}`);
    this.name = 'InvariantViolationError';
  }
}
