import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';

/** Flags of `notify-keyspace-events` the library needs: E (keyevent channels), x (expired), e (evicted). @internal */
const NEEDED = ['E', 'x', 'e'] as const;
const WHAT_BREAKS: Record<(typeof NEEDED)[number], string> = {
  E: 'no keyevent notifications at all',
  x: "no 'expired' events as sessions time out (the cleanup sweep still reports them, later)",
  e: "no 'evicted' events when Redis evicts sessions under memory pressure",
};

export function missingFlags(current: string): string[] {
  // 'A' is the alias for every key-type and event flag (g$lshzxetd), which covers x and e.
  const have = new Set(current.includes('A') ? [...current, 'x', 'e'] : [...current]);
  return NEEDED.filter((f) => !have.has(f));
}

export type NotificationState = 'on' | 'missing' | 'unknown';

/**
 * Reads `notify-keyspace-events` (read-only unless `configure` is set). With `configure`, adds the missing flags
 * with CONFIG SET; otherwise, or where CONFIG is forbidden (managed Redis), logs what will not work.
 */
export async function checkKeyspaceNotifications(
  nodes: Array<Redis | Cluster>, configure: boolean, logger: Logger,
): Promise<NotificationState> {
  let state: NotificationState = 'on';
  for (const node of nodes) {
    let current: string;
    try {
      const reply = (await node.config('GET', 'notify-keyspace-events')) as unknown as string[];
      current = reply[1] ?? '';
    } catch (err) {
      logger.warn(
        `Cannot read notify-keyspace-events (${(err as Error).message}). If it lacks "Exe", expiry and eviction ` +
          'events will not arrive instantly; set it in redis.conf (notify-keyspace-events Exe).',
      );
      state = 'unknown';
      continue;
    }
    const missing = missingFlags(current);
    if (missing.length === 0) continue;
    if (configure) {
      try {
        await node.config('SET', 'notify-keyspace-events', current + missing.join(''));
        logger.log(`Set notify-keyspace-events to "${current + missing.join('')}" (events.configureKeyspaceNotifications)`);
        continue;
      } catch (err) {
        logger.warn(`CONFIG SET notify-keyspace-events failed (${(err as Error).message}); managed Redis often forbids it`);
      }
    }
    logger.warn(
      `notify-keyspace-events is "${current}", missing ${missing.map((f) => `"${f}"`).join(', ')}: ` +
        missing.map((f) => WHAT_BREAKS[f as (typeof NEEDED)[number]]).join('; ') +
        '. Add them in redis.conf (notify-keyspace-events Exe), or set events.configureKeyspaceNotifications: true.',
    );
    state = 'missing';
  }
  return state;
}
