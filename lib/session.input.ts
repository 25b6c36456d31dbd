import { SessionInputError } from './errors';
import { FIELD_NAME_INVALID, LIFETIME_INVALID, TEXT_INVALID } from './errors/messages';
import type { ResolvedSessionOptions } from './options/session.options';
import type { CreateSessionInput } from './session.types';

/**
 * What the app hands the library, checked before anything reaches Redis: a bad value is a SessionInputError (400),
 * never a TypeError, and nothing is written.
 * @internal
 */
const FIELD_NAME = /^[^\x00-\x1f\x7f]{1,64}$/;
const PLAIN_TEXT = /^[^\x00-\x1f\x7f]{1,256}$/;
/**
 * Half of a UTF-16 surrogate pair on its own. Redis stores UTF-8, where such a string becomes U+FFFD: two distinct
 * user ids would then name one user's index. Refused rather than silently merged.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const wellFormed = (value: unknown, shape: RegExp) => typeof value === 'string' && shape.test(value) && !LONE_SURROGATE.test(value);

/** User ids and device labels: 1-256 characters, no control characters (they travel inside script replies). */
export function assertPlainText(what: string, value: string): void {
  if (!wellFormed(value, PLAIN_TEXT)) throw new SessionInputError(TEXT_INVALID(what, value));
}

export function assertFieldName(name: string): void {
  if (!wellFormed(name, FIELD_NAME)) throw new SessionInputError(FIELD_NAME_INVALID(name));
}

/** A login's user id, device label (default 'unknown') and data, checked. */
export function checkedLogin(input: CreateSessionInput<object>): { userId: string; device: string; data: Record<string, unknown> } {
  const userId = String(input.userId);
  assertPlainText('userId', userId);
  const device = input.device || 'unknown';
  assertPlainText('device', device);
  const data = (input.data ?? {}) as Record<string, unknown>;
  Object.keys(data).forEach(assertFieldName);
  return { userId, device, data };
}

/** Timeouts of a new session: the module's, or rememberMe's for remembered ones, never above those caps. */
export function lifetimeOf(input: CreateSessionInput<object>, options: ResolvedSessionOptions): { idleMs: number; absoluteMs: number } {
  const capIdle = input.remember ? options.rememberMe.idleTimeoutSeconds : options.idleTimeoutSeconds;
  const capAbsolute = input.remember ? options.rememberMe.absoluteTimeoutSeconds : options.absoluteTimeoutSeconds;
  const pick = (name: string, value: number | undefined, cap: number) => {
    if (value === undefined) return cap;
    if (!Number.isInteger(value) || value <= 0) throw new SessionInputError(LIFETIME_INVALID(name, value));
    return Math.min(value, cap);
  };
  const absolute = pick('absoluteTimeoutSeconds', input.absoluteTimeoutSeconds, capAbsolute);
  const idle = Math.min(pick('idleTimeoutSeconds', input.idleTimeoutSeconds, capIdle), absolute);
  return { idleMs: idle * 1000, absoluteMs: absolute * 1000 };
}
