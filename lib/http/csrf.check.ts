import { timingSafeEqual } from 'node:crypto';
import type { ResolvedSessionOptions } from '../options/session.options';
import { headerValue, SessionRequest } from './session.request';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** Whether a request can change state (the only ones CSRF protection looks at). @internal */
export function isUnsafe(req: SessionRequest): boolean {
  return !SAFE_METHODS.has((req.method ?? 'GET').toUpperCase());
}

/**
 * Why an unsafe request looks cross-site, or null. Fetch Metadata first (every current browser sends it, no page can
 * forge it); else `Origin` against the Host it was sent to and the trusted origins. A request with neither header is
 * no browser's cross-site request (curl, a server, an old browser's same-origin form) and passes. @internal
 */
export function crossSiteReason(req: SessionRequest, options: ResolvedSessionOptions['csrf']): string | null {
  const origin = headerValue(req, 'origin');
  const trusted = origin !== undefined && options.trustedOrigins.some((o) => o.toLowerCase() === origin.toLowerCase());
  const site = headerValue(req, 'sec-fetch-site')?.toLowerCase();
  if (site !== undefined) {
    // `same-site` is refused too: a sibling subdomain can be someone else's (or a compromised) site.
    if (site === 'same-origin' || site === 'none' || trusted) return null;
    return `Sec-Fetch-Site is ${site}`;
  }
  if (origin === undefined || trusted) return null;
  if (!URL.canParse(origin)) return `Origin ${JSON.stringify(origin)} is not an origin`;
  const sameHost = new URL(origin).host.toLowerCase() === headerValue(req, 'host')?.toLowerCase();
  return sameHost ? null : `Origin ${origin} is not this site`;
}

/** Whether the request carries the session's token in the configured header (constant-time comparison). @internal */
export function carriesToken(req: SessionRequest, header: string, expected: string | undefined): boolean {
  const given = headerValue(req, header);
  if (!given || !expected) return false;
  // Bytes, not characters: a non-ASCII header of the token's length would make timingSafeEqual throw (a 500).
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
