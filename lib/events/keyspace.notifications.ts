import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';

/** The `notify-keyspace-events` flags the library needs (E: keyevent channels, x: expired, e: evicted), and why. */
const WHAT_BREAKS: Record<string, string> = {
  E: 'no keyevent notifications at all',
  x: "no 'expired' events as sessions time out (the cleanup sweep still reports them, later)",
  e: "no 'evicted' events when Redis evicts sessions under memory pressure",
};

export function missingFlags(current: string): string[] {
  // 'A' is the alias for every key-type and event flag (g$lshzxetd), which covers x and e.
  const have = new Set(current.includes('A') ? [...current, 'x', 'e'] : [...current]);
  return Object.keys(WHAT_BREAKS).filter((f) => !have.has(f));
}

export type NotificationState = 'on' | 'missing' | 'unknown';

/** Checks each node's `notify-keyspace-events` (never rejects): adds missing flags if `configure`, else warns. */
export async function checkKeyspaceNotifications(
  nodes: Array<Redis | Cluster>, configure: boolean, logger: Logger,
): Promise<NotificationState> {
  let state: NotificationState = 'on';
  for (const node of nodes) {
    let current: string;
    try {
      current = ((await node.config('GET', 'notify-keyspace-events')) as unknown as string[])[1] ?? '';
    } catch (err) {
      logger.warn(`Cannot read notify-keyspace-events (${(err as Error).message}). If it lacks "Exe", expiry and ` +
        'eviction events will not arrive instantly; set it in redis.conf (notify-keyspace-events Exe).');
      state = 'unknown';
      continue;
    }
    const missing = missingFlags(current);
    if (missing.length === 0) continue;
    if (configure) {
      const wanted = current + missing.join('');
      try {
        await node.config('SET', 'notify-keyspace-events', wanted);
        logger.log(`Set notify-keyspace-events to "${wanted}" (events.configureKeyspaceNotifications)`);
        continue;
      } catch (err) {
        const { message } = err as Error;
        logger.warn(`CONFIG SET notify-keyspace-events failed (${message}); managed Redis often forbids it`);
      }
    }
    logger.warn(`notify-keyspace-events is "${current}", missing ${missing.map((f) => `"${f}"`).join(', ')}: ` +
      `${missing.map((f) => WHAT_BREAKS[f]).join('; ')}. Add them in redis.conf (notify-keyspace-events Exe), or ` +
      'set events.configureKeyspaceNotifications: true.');
    state = 'missing';
  }
  return state;
}
