import {
  digestOf,
  newSelector,
  newVerifier,
  publicId,
  SELECTOR_LENGTH,
  splitToken,
  TOKEN_LENGTH,
  userDigest,
  verifierHash,
} from './session.token';

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const newToken = (userId: string) => newSelector(userId) + newVerifier();

describe('session tokens', () => {
  it('are 67 base64url characters: a 24-character selector then a 32-byte random verifier', () => {
    const token = newToken('u1');
    expect(TOKEN_LENGTH).toBe(67);
    expect(token).toHaveLength(67);
    expect(token).toMatch(BASE64URL);
    const { selector, verifier } = splitToken(token)!;
    expect(selector).toHaveLength(SELECTOR_LENGTH);
    expect(digestOf(selector)).toBe(userDigest('u1'));
    const random = Buffer.from(verifier, 'base64url');
    expect(random).toHaveLength(32);
    // Canonical encoding: the 43 characters are exactly the 32 bytes, no padding or slack bits.
    expect(random.toString('base64url')).toBe(verifier);
  });

  it('never repeat, and every one of the 256 verifier bits varies across tokens', () => {
    // Guards against a regression to a weak or constant source (e.g. a zero-filled buffer or a truncated hash).
    const n = 2000;
    const verifiers = Array.from({ length: n }, () => newVerifier());
    expect(new Set(verifiers).size).toBe(n);
    const ones = new Array<number>(256).fill(0);
    for (const v of verifiers) {
      const bytes = Buffer.from(v, 'base64url');
      for (let bit = 0; bit < 256; bit++) if (bytes[bit >> 3] & (1 << (bit & 7))) ones[bit]++;
    }
    // With 2000 samples a fair bit lands within 40-60 % with overwhelming probability (about 9 standard deviations).
    for (const count of ones) {
      expect(count / n).toBeGreaterThan(0.4);
      expect(count / n).toBeLessThan(0.6);
    }
  });

  it("start with the same user digest for one user's sessions, and differ after it", () => {
    const selectors = Array.from({ length: 200 }, () => newSelector('user-42'));
    expect(new Set(selectors.map(digestOf))).toEqual(new Set([userDigest('user-42')]));
    expect(new Set(selectors).size).toBe(200);
    expect(userDigest('user-42')).not.toBe(userDigest('user-43'));
  });
});

describe('splitToken', () => {
  it('accepts tokens the library makes', () => {
    for (let i = 0; i < 50; i++) expect(splitToken(newToken(`u${i}`))).not.toBeNull();
  });

  it.each([
    ['one character short', newToken('u1').slice(1)],
    ['one character long', newToken('u1') + 'A'],
    ['empty', ''],
    ['4 KB long', 'A'.repeat(4096)],
    ['standard base64 "+"', '+'.repeat(67)],
    ['standard base64 "/"', newToken('u1').slice(0, 66) + '/'],
    ['padding "="', newToken('u1').slice(0, 66) + '='],
    ['a space', newToken('u1').slice(0, 66) + ' '],
    ['a dot', newToken('u1').slice(0, 66) + '.'],
    ['a non-ASCII letter of the same length', newToken('u1').slice(0, 66) + 'é'],
    ['a percent escape', newToken('u1').slice(0, 64) + '%41'],
  ])('rejects a token that is %s', (_what, token) => {
    expect(splitToken(token)).toBeNull();
  });

  it.each([[undefined], [null], [67], [{ length: 67 }], [['A'.repeat(67)]]])('rejects the non-string %p', (value) => {
    expect(splitToken(value)).toBeNull();
  });
});

describe('verifierHash and publicId', () => {
  it('store 22 base64url characters of SHA-256 instead of the verifier, deterministically', () => {
    const verifier = newVerifier();
    const hash = verifierHash(verifier);
    expect(hash).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(verifierHash(verifier)).toBe(hash);
    expect(verifier).not.toContain(hash);
  });

  it('change completely when one verifier character changes', () => {
    const verifier = newVerifier();
    const tampered = verifier.slice(0, 20) + (verifier[20] === 'A' ? 'B' : 'A') + verifier.slice(21);
    expect(verifierHash(tampered)).not.toBe(verifierHash(verifier));
  });

  it('derive a 16-character public id from the selector that reveals neither half of the token', () => {
    const token = newToken('u1');
    const { selector } = splitToken(token)!;
    const id = publicId(selector);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(publicId(selector)).toBe(id);
    expect(token).not.toContain(id);
    expect(id).not.toBe(selector.slice(0, 16));
  });
});
