import type { LegacySessionMapping } from 'nestjs-redis-session';

/**
 * What the sample app's express-session era stored (connect-redis JSON: `{ cookie, userId, username, device?, cart? }`)
 * becomes: the same user, device and data. A record without a user is refused (no session).
 */
export function mapLegacySession(record: Record<string, unknown>): LegacySessionMapping | null {
  const { userId, username, device, cart } = record;
  if (typeof userId !== 'string' || typeof username !== 'string') return null;
  const data: Record<string, unknown> = { username };
  if (Array.isArray(cart)) data.cart = cart.filter((item): item is string => typeof item === 'string');
  return { userId, device: typeof device === 'string' ? device : 'migrated', data };
}
