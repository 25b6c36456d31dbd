import { hash, randomBytes } from 'node:crypto';

/**
 * A token is `<selector><verifier>`.
 * - The selector (24 characters) names the session for its whole life: the user's digest (16 characters of a hash
 *   of the user id; its first 3 are the Cluster routing tag), then 8 random characters.
 * - The verifier (43 characters: 32 CSPRNG bytes) is the secret. Redis keeps only its SHA-256, so a dump or a
 *   replica holds no live credential. Rotation and regenerate replace it in place: key and public id stay.
 * @internal
 */
const DIGEST_LENGTH = 16;
export const TAG_LENGTH = 3;
export const SELECTOR_LENGTH = DIGEST_LENGTH + 8;
export const TOKEN_LENGTH = SELECTOR_LENGTH + 43;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{67}$/;

/** The two halves of a well-formed token, or null: checked before any Redis call, so junk costs no round trip. */
export function splitToken(token: unknown): { selector: string; verifier: string } | null {
  if (typeof token !== 'string' || token.length !== TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return null;
  return { selector: token.slice(0, SELECTOR_LENGTH), verifier: token.slice(SELECTOR_LENGTH) };
}

// crypto.hash (one shot, Node >= 20.12) skips the Hash object createHash() allocates: this runs on every request.
/** 96 bits of SHA-256 of the user id: names the user's index and routes all of the user's keys to one slot. */
export const userDigest = (userId: string): string => hash('sha256', userId, 'base64url').slice(0, DIGEST_LENGTH);

export const digestOf = (selector: string): string => selector.slice(0, DIGEST_LENGTH);

/** The part of a selector that tells one user's sessions apart (the user index's field name). */
export const sessionPartOf = (selector: string): string => selector.slice(DIGEST_LENGTH);

export const newSelector = (userId: string): string => userDigest(userId) + randomBytes(6).toString('base64url');
export const newVerifier = (): string => randomBytes(32).toString('base64url');

/** What Redis stores instead of the verifier: 132 bits of its SHA-256. */
export const verifierHash = (verifier: string): string => hash('sha256', verifier, 'base64url').slice(0, 22);

/**
 * The public id in device lists and revocations: stable, revealing no selector. SHA-1 (64 bits) because the Lua
 * scripts derive it too (redis.sha1hex); it protects nothing.
 */
export const publicId = (selector: string): string => hash('sha1', 'h:' + selector, 'hex').slice(0, 16);
