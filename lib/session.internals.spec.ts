import { inspect } from 'node:util';
import { SessionInputError } from './errors/session-input.error';
import { copyOf, storedOf, toActiveSession } from './session.internals';
import type { StoredSession } from './store/stored.session';

// The link from a session object to its stored record must never show (it holds the selector, the verifier hash and
// the CSRF token) and must refuse anything the library did not make with a typed 400, primitives included.
const stored: StoredSession = {
  selector: 'SELECTOR-SECRET-000000000', userId: 'u1', device: 'laptop', createdAt: 1, lastSeenAt: 2, expiresAt: 3,
  absoluteExpiresAt: 4, idleMs: 1000, data: { theme: 'dark' }, verifier: 'VERIFIER-HASH', csrf: 'CSRF-TOKEN',
};

describe('session objects', () => {
  it('carry the public fields only, in JSON and in logs', () => {
    const session = toActiveSession(stored);
    for (const shown of [JSON.stringify(session), inspect(session, { depth: 5 })]) {
      expect(shown).toContain('laptop');
      expect(shown).not.toMatch(/SELECTOR-SECRET|VERIFIER-HASH|CSRF-TOKEN/);
    }
    expect(Object.keys(session)).toEqual(
      ['id', 'userId', 'device', 'createdAt', 'lastSeenAt', 'expiresAt', 'absoluteExpiresAt', 'data'],
    );
  });

  it('lead back to their stored record, copies too', () => {
    const session = toActiveSession(stored);
    const copy = copyOf(session);
    expect(copy).not.toBe(session);
    expect(copy).toEqual(session);
    expect(storedOf(copy)).toBe(stored);
    expect(storedOf(session)).toBe(stored);
  });

  it.each([
    ['a spread copy', () => ({ ...toActiveSession(stored) })],
    ['a plain object', () => ({ id: 'x' })],
    ['a string', () => 'x'],
    ['null', () => null],
    ['undefined', () => undefined],
  ])('refuse %s with SessionInputError', (_, make) => {
    expect(() => storedOf(make() as never)).toThrow(SessionInputError);
  });
});
