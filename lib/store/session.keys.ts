import { digestOf, TAG_LENGTH } from './session.token';

/**
 * The only place key and channel names are built. Every key of one user carries the same `{tag}` (the first
 * characters of the user's digest), so a session and its user's index live in one Redis Cluster slot. The tag comes
 * first after the prefix and is base64url, so nothing the app passes can move the hash tag.
 * - `<prefix>s:{tag}:<digest rest><session part>`: the session hash (a selector names it);
 * - `<prefix>u:{tag}:<digest rest>`: the user's index, a hash of `<session part> → absolute deadline` plus
 *   `@ → user id` (so an expiry can name the user after the session key is gone).
 * @internal
 */
export type SessionKeys = { session: string; index: string };

const split = (digestOrSelector: string) => [digestOrSelector.slice(0, TAG_LENGTH), digestOrSelector.slice(TAG_LENGTH)];

export function sessionKeys(prefix: string, selector: string): SessionKeys {
  const [tag, rest] = split(selector);
  return { session: `${prefix}s:{${tag}}:${rest}`, index: userIndexKey(prefix, digestOf(selector)) };
}

/** A user's session key without its session part (what a script appends an index field to). */
export const sessionKeyBase = (prefix: string, digest: string): string => sessionKeys(prefix, digest).session;

export function userIndexKey(prefix: string, digest: string): string {
  const [tag, rest] = split(digest);
  return `${prefix}u:{${tag}}:${rest}`;
}

/** The index field that holds the user id (never a session part: those are base64url). */
export const INDEX_USER_FIELD = '@';

export const eventsChannel = (prefix: string) => `${prefix}events`;
/** What client-side caching tracks. */
export const sessionKeyPrefix = (prefix: string) => `${prefix}s:`;
export const userIndexPattern = (prefix: string) => `${prefix}u:*`;
export const sweepLockKey = (prefix: string) => `${prefix}sweep-lock`;
/** Marks an event as handled by one instance (SessionEvents.claim). */
export const claimKey = (prefix: string, eventKey: string) => `${prefix}claim:${eventKey}`;

/** The selector a session key belongs to (keyspace notifications and tracking only give key names). */
export const selectorOfKey = (prefix: string, key: string) => keyPart(prefix, key, 's');
export const digestOfIndexKey = (prefix: string, key: string) => keyPart(prefix, key, 'u');

const KEY_SHAPE = /^([su]):\{([A-Za-z0-9_-]+)\}:([A-Za-z0-9_-]+)$/;

function keyPart(prefix: string, key: string, kind: 's' | 'u'): string | null {
  const m = key.startsWith(prefix) ? KEY_SHAPE.exec(key.slice(prefix.length)) : null;
  return m?.[1] === kind ? m[2] + m[3] : null;
}
