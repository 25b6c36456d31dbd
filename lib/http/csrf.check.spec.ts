import { carriesToken, crossSiteReason, isUnsafe } from './csrf.check';

const options = { mode: 'origin' as const, trustedOrigins: ['https://admin.example.com'], header: 'x-csrf-token' };
const req = (headers: Record<string, string>, method = 'POST') => ({ method, headers: { host: 'app.example.com', ...headers } });

describe('CSRF: what counts as cross-site', () => {
  it('looks only at unsafe methods', () => {
    expect(['GET', 'HEAD', 'OPTIONS'].map((m) => isUnsafe(req({}, m)))).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE', 'post'].map((m) => isUnsafe(req({}, m)))).toEqual([true, true, true, true, true]);
  });

  it.each([
    ['Fetch Metadata same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['Fetch Metadata none (typed in the address bar, a bookmark)', { 'sec-fetch-site': 'none' }],
    ['no browser headers at all (curl, a server)', {}],
    ['its own Origin', { origin: 'https://app.example.com' }],
    ['a trusted Origin, even cross-site', { origin: 'https://admin.example.com', 'sec-fetch-site': 'cross-site' }],
  ])('lets through %s', (_what, headers) => {
    expect(crossSiteReason(req(headers), options)).toBeNull();
  });

  it.each([
    ['Fetch Metadata cross-site', { 'sec-fetch-site': 'cross-site' }, /cross-site/],
    ['Fetch Metadata same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site', origin: 'https://blog.example.com' }, /same-site/],
    ['another Origin', { origin: 'https://evil.example' }, /not this site/],
    ['the same host on another port', { origin: 'https://app.example.com:8443' }, /not this site/],
    ['Origin: null (a sandboxed frame, a redirect)', { origin: 'null' }, /not an origin/],
  ])('refuses %s', (_what, headers, reason) => {
    expect(crossSiteReason(req(headers), options)).toMatch(reason);
  });
});

describe('CSRF: the token header', () => {
  const token = 'A'.repeat(43);
  it.each([
    ['the token itself', token, true],
    ['no header', undefined, false],
    ['another token', 'B'.repeat(43), false],
    ['a shorter one', token.slice(1), false],
    ['one as long in characters but not in bytes', token.slice(1) + '\u00e9', false],
  ])('%s', (_what, given, expected) => {
    const headers: Record<string, string> = given === undefined ? {} : { 'x-csrf-token': given };
    expect(carriesToken(req(headers), 'x-csrf-token', token)).toBe(expected);
  });
});
