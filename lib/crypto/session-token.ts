import { hash, randomBytes } from 'node:crypto';

/**
 * Token layout: a 3-character routing tag followed by 43 characters of base64url (32 bytes from the CSPRNG).
 * The tag is derived from the user id so that a session and its user's index share a Redis Cluster hash slot
 * (atomic create / logout-all without CROSSSLOT). It carries 18 bits of a hash of the user id, nothing usable;
 * the 256 random bits are what make the token unguessable.
 * @internal
 */
const TAG_LENGTH = 3;
const RANDOM_LENGTH = 43;
export const TOKEN_LENGTH = TAG_LENGTH + RANDOM_LENGTH;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{46}$/;

/** Cheap shape check done before any Redis call, so junk never costs a round trip. */
export function isWellFormedToken(token: unknown): token is string {
  return typeof token === 'string' && token.length === TOKEN_LENGTH && TOKEN_SHAPE.test(token);
}

// crypto.hash (one shot, Node >= 20.12) skips the Hash object createHash() allocates: this runs on every request.
export function routingTagFor(userId: string): string {
  return hash('sha256', userId, 'base64url').slice(0, TAG_LENGTH);
}

export function routingTagOf(token: string): string {
  return token.slice(0, TAG_LENGTH);
}

export function newToken(userId: string): string {
  return routingTagFor(userId) + randomBytes(32).toString('base64url');
}

/**
 * What Redis stores instead of the token: 132 bits of its SHA-256. A leaked dump or replica therefore holds no
 * live credential, and the key stays short (memory per session matters at a million sessions).
 */
export function tokenHash(token: string): string {
  return hash('sha256', token, 'base64url').slice(0, 22);
}

/**
 * The public handle shown in device lists and used to revoke one device: neither the token nor its hash.
 * SHA-1 (64 bits of it) because Lua scripts must derive it too (redis.sha1hex), e.g. when a login evicts the
 * oldest session; it protects nothing, it only must not reveal the token hash.
 */
export function publicHandle(tokenHashValue: string): string {
  return hash('sha1', 'h:' + tokenHashValue, 'hex').slice(0, 16);
}
