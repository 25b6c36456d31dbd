/**
 * The only place key names are built. Every key of one user carries the same `{tag}`, so a session, its shadow
 * key and the user's index live in one Redis Cluster slot. The tag comes first after the prefix, so braces inside
 * a user id can never move the hash tag.
 * @internal
 */
export interface SessionKeys {
  /** The session hash. */
  session: string;
  /** Shadow key holding `absoluteDeadline|userId`, outliving the session briefly so expiry events know the user. */
  shadow: string;
}

export const sessionKeys = (prefix: string, tag: string, hash: string): SessionKeys => ({
  session: `${prefix}s:{${tag}}:${hash}`,
  shadow: `${prefix}x:{${tag}}:${hash}`,
});

export const userIndexKey = (prefix: string, tag: string, userId: string) => `${prefix}u:{${tag}}:${userId}`;

export const eventsChannel = (prefix: string) => `${prefix}events`;

/** Parses a session or shadow key back into its parts (keyspace notifications only give key names). */
export function parseSessionKey(prefix: string, key: string): { kind: 's' | 'x'; tag: string; hash: string } | null {
  if (!key.startsWith(prefix)) return null;
  const m = /^([sx]):\{([^}]+)\}:([A-Za-z0-9_-]+)$/.exec(key.slice(prefix.length));
  return m ? { kind: m[1] as 's' | 'x', tag: m[2], hash: m[3] } : null;
}
