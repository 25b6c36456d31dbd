import { newSelector, userDigest } from './session.token';
import { digestOfIndexKey, eventsChannel, selectorOfKey, sessionKeys, userIndexKey } from './session.keys';

describe('session key names', () => {
  it("put the user's routing tag in braces right after the prefix, for the session and the user index", () => {
    const selector = 'abcDEFGHIJKLMNOP' + 'qrstuvwx';
    expect(sessionKeys('sess:', selector)).toEqual({
      session: 'sess:s:{abc}:DEFGHIJKLMNOPqrstuvwx',
      index: 'sess:u:{abc}:DEFGHIJKLMNOP',
    });
    expect(eventsChannel('sess:')).toBe('sess:events');
  });

  it("name the user's index from the user's digest, so a user id with braces cannot move the hash tag", () => {
    const key = userIndexKey('p:', userDigest('{evil}'));
    expect(key).not.toContain('evil');
    expect(key).toMatch(/^p:u:\{[A-Za-z0-9_-]{3}\}:[A-Za-z0-9_-]{13}$/);
    expect(sessionKeys('p:', newSelector('{evil}')).index).toBe(key);
  });

  it('parse session and index keys back into the selector and the user digest', () => {
    const selector = newSelector('u1');
    const keys = sessionKeys('p:', selector);
    expect(selectorOfKey('p:', keys.session)).toBe(selector);
    expect(digestOfIndexKey('p:', keys.index)).toBe(userDigest('u1'));
  });

  it.each([
    ['another prefix', 'q:s:{abc}:DEFGHIJKLMNOPqrstuvwx'],
    ['a user index key', 'p:u:{abc}:DEFGHIJKLMNOP'],
    ['a key without a tag', 'p:s:abc:DEFGHIJKLMNOPqrstuvwx'],
    ['a selector with a bad character', 'p:s:{abc}:DEF.HIJKLMNOPqrstuvwx'],
  ])('parse %s as no session key', (_what, key) => {
    expect(selectorOfKey('p:', key)).toBeNull();
  });
});
