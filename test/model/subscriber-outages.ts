import type { Redis } from 'ioredis';
import { waitFor } from '../harness/wait';

/** From the kill until every subscription was back: events published in between may reach no instance. */
export interface Outage {
  from: number;
  /** Infinity when the subscriptions never came back within the bound. */
  to: number;
}

/** How long before a kill a published message may still sit unread in the killed connection's buffer. */
const IN_FLIGHT_MS = 50;

/** Subscribed connections by name, with their most channels + patterns: what "every subscription is back" means. */
type PubSubSnapshot = Map<string, number[]>;

interface PubSubClient {
  id: string;
  name: string;
  subscriptions: number;
}

async function pubSubClients(admin: Redis): Promise<PubSubClient[]> {
  const list = (await admin.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  return list.split('\n').filter(Boolean).map((line) => {
    const field = (k: string) => new RegExp(`(?:^| )${k}=(\\S*)`).exec(line)?.[1] ?? '';
    return { id: field('id'), name: field('name'), subscriptions: Number(field('sub')) + Number(field('psub')) };
  });
}

async function snapshot(admin: Redis): Promise<PubSubSnapshot> {
  const out: PubSubSnapshot = new Map();
  for (const c of await pubSubClients(admin)) {
    out.set(c.name, [...(out.get(c.name) ?? []), c.subscriptions].sort((a, b) => b - a));
  }
  return out;
}

/** Whether `now` has at least the subscribed connections of `baseline` (same names, as many channels). */
function covers(now: PubSubSnapshot, baseline: PubSubSnapshot): boolean {
  for (const [name, counts] of baseline) {
    const current = now.get(name) ?? [];
    if (current.length < counts.length || counts.some((c, i) => current[i] < c)) return false;
  }
  return true;
}

function merge(a: PubSubSnapshot, b: PubSubSnapshot): PubSubSnapshot {
  const out: PubSubSnapshot = new Map(a);
  for (const [name, counts] of b) {
    const mine = out.get(name) ?? [];
    const longer = counts.length > mine.length ? counts : mine;
    out.set(name, longer.map((_, i) => Math.max(mine[i] ?? 0, counts[i] ?? 0)));
  }
  return out;
}

/**
 * Kills every Pub/Sub connection of the deployment's Redis (CLIENT KILL TYPE pubsub, from an admin client) and
 * records how long the subscriptions took to come back, measured on the server, so the events check knows which
 * session ends may have been published to nobody.
 */
export class SubscriberKiller {
  readonly outages: Outage[] = [];
  private baseline: PubSubSnapshot = new Map();
  private readonly watchers: Promise<void>[] = [];

  constructor(private readonly admin: Redis) {}

  /** Notes the subscriptions of a freshly booted deployment (every later outage ends when they are all back). */
  async noteBaseline(): Promise<void> {
    this.baseline = merge(this.baseline, await snapshot(this.admin));
  }

  /** Kills every subscriber connection, or the `pick`-th one (ordered by name, then age). */
  async kill(pick: number | 'all'): Promise<void> {
    await this.noteBaseline();
    const outage: Outage = { from: Date.now(), to: Infinity };
    this.outages.push(outage);
    if (pick === 'all') {
      await this.admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    } else {
      const clients = (await pubSubClients(this.admin)).sort((a, b) => a.name.localeCompare(b.name) || Number(a.id) - Number(b.id));
      if (clients.length > 0) await this.admin.call('CLIENT', 'KILL', 'ID', clients[pick % clients.length].id);
    }
    const baseline = this.baseline;
    this.watchers.push(
      waitFor(() => snapshot(this.admin), (now) => covers(now, baseline), {
        timeoutMs: 5000, intervalMs: 10, what: 'every subscriber to reconnect and resubscribe',
      }).then(
        () => void (outage.to = Date.now()),
        () => undefined,
      ),
    );
  }

  /** Waits until every outage is over (or known to last). */
  async settled(): Promise<void> {
    await Promise.all(this.watchers);
  }

  /**
   * Whether an event published at some moment of `window` may have been lost to an outage (or to the kill itself:
   * a message still in a socket's buffer when its connection is killed is gone too).
   */
  mayHaveLost(window: { lo: number; hi: number }): boolean {
    return this.outages.some((o) => window.lo <= o.to && window.hi >= o.from - IN_FLIGHT_MS);
  }
}
