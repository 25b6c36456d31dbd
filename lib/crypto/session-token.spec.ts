import {
  isWellFormedToken,
  newToken,
  publicHandle,
  routingTagFor,
  routingTagOf,
  TOKEN_LENGTH,
  tokenHash,
} from './session-token';

const BASE64URL_46 = /^[A-Za-z0-9_-]{46}$/;

describe('session tokens', () => {
  it('are 46 base64url characters: a 3-character routing tag then 32 random bytes', () => {
    const token = newToken('u1');
    expect(TOKEN_LENGTH).toBe(46);
    expect(token).toMatch(BASE64URL_46);
    expect(token.startsWith(routingTagFor('u1'))).toBe(true);
    const random = Buffer.from(token.slice(3), 'base64url');
    expect(random).toHaveLength(32);
    // Canonical encoding: the 43 characters are exactly the 32 bytes, no padding or slack bits.
    expect(random.toString('base64url')).toBe(token.slice(3));
  });

  it('never repeat, and every one of the 256 random bits varies across tokens', () => {
    // Guards against a regression to a weak or constant source (e.g. a zero-filled buffer or a truncated hash).
    const n = 2000;
    const tokens = Array.from({ length: n }, () => newToken('u1'));
    expect(new Set(tokens).size).toBe(n);
    const ones = new Array<number>(256).fill(0);
    for (const t of tokens) {
      const bytes = Buffer.from(t.slice(3), 'base64url');
      for (let bit = 0; bit < 256; bit++) if (bytes[bit >> 3] & (1 << (bit & 7))) ones[bit]++;
    }
    // With 2000 samples a fair bit lands within 40-60 % with overwhelming probability (about 9 standard deviations).
    for (const count of ones) {
      expect(count / n).toBeGreaterThan(0.4);
      expect(count / n).toBeLessThan(0.6);
    }
  });

  it('carry the same routing tag for the same user and read it back with routingTagOf', () => {
    expect(routingTagFor('u1')).toHaveLength(3);
    expect(routingTagFor('u1')).toBe(routingTagFor('u1'));
    expect(routingTagOf(newToken('user-42'))).toBe(routingTagFor('user-42'));
    expect(routingTagOf(newToken('u1'))).toBe(routingTagOf(newToken('u1')));
  });
});

describe('isWellFormedToken', () => {
  it('accepts tokens newToken makes', () => {
    for (let i = 0; i < 50; i++) expect(isWellFormedToken(newToken(`u${i}`))).toBe(true);
  });

  it.each([
    ['one character short', newToken('u1').slice(1)],
    ['one character long', newToken('u1') + 'A'],
    ['empty', ''],
    ['4 KB long', 'A'.repeat(4096)],
    ['standard base64 "+"', '+'.repeat(46)],
    ['standard base64 "/"', newToken('u1').slice(0, 45) + '/'],
    ['padding "="', newToken('u1').slice(0, 45) + '='],
    ['a space', newToken('u1').slice(0, 45) + ' '],
    ['a dot', newToken('u1').slice(0, 45) + '.'],
    ['a non-ASCII letter of the same length', newToken('u1').slice(0, 45) + 'é'],
    ['a percent escape', newToken('u1').slice(0, 43) + '%41'],
  ])('rejects a token that is %s', (_what, token) => {
    expect(isWellFormedToken(token)).toBe(false);
  });

  it.each([[undefined], [null], [46], [{ length: 46 }], [['A'.repeat(46)]]])('rejects the non-string %p', (value) => {
    expect(isWellFormedToken(value)).toBe(false);
  });
});

describe('tokenHash and publicHandle', () => {
  it('store 22 base64url characters of SHA-256 instead of the token, deterministically', () => {
    const token = newToken('u1');
    const hash = tokenHash(token);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(tokenHash(token)).toBe(hash);
    expect(token).not.toContain(hash);
    expect(hash).not.toContain(token.slice(3, 25));
  });

  it('change completely when one token character changes', () => {
    const token = newToken('u1');
    const tampered = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    expect(tokenHash(tampered)).not.toBe(tokenHash(token));
  });

  it('derive a 16-character public handle that is neither the token nor its hash', () => {
    const token = newToken('u1');
    const hash = tokenHash(token);
    const handle = publicHandle(hash);
    expect(handle).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(publicHandle(hash)).toBe(handle);
    expect(hash).not.toContain(handle);
    expect(token).not.toContain(handle);
    expect(handle).not.toBe(hash.slice(0, 16));
  });
});
