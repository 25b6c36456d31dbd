import { eventsChannel, parseSessionKey, sessionKeys, userIndexKey } from './session.keys';

describe('session key names', () => {
  it('put the routing tag in braces right after the prefix, for the session, shadow and user index keys', () => {
    expect(sessionKeys('sess:', 'abc', 'HASH')).toEqual({ session: 'sess:s:{abc}:HASH', shadow: 'sess:x:{abc}:HASH' });
    expect(userIndexKey('sess:', 'abc', 'u1')).toBe('sess:u:{abc}:u1');
    expect(eventsChannel('sess:')).toBe('sess:events');
  });

  it('keep the hash tag first even when the user id contains braces', () => {
    // Redis Cluster hashes the first {...}; a user id like "{evil}" must not move a user's keys to another slot.
    const key = userIndexKey('p:', 'abc', '{evil}');
    expect(key.indexOf('{abc}')).toBeLessThan(key.indexOf('{evil}'));
  });

  it('parse session and shadow keys back into kind, tag and hash', () => {
    const { session, shadow } = sessionKeys('p:', 'x_Z', 'h-1_A');
    expect(parseSessionKey('p:', session)).toEqual({ kind: 's', tag: 'x_Z', hash: 'h-1_A' });
    expect(parseSessionKey('p:', shadow)).toEqual({ kind: 'x', tag: 'x_Z', hash: 'h-1_A' });
  });

  it.each([
    ['another prefix', 'q:s:{abc}:HASH'],
    ['a user index key', 'p:u:{abc}:u1'],
    ['a key without a tag', 'p:s:abc:HASH'],
    ['a hash with a bad character', 'p:s:{abc}:HA.SH'],
  ])('parse %s as null', (_what, key) => {
    expect(parseSessionKey('p:', key)).toBeNull();
  });
});
