import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { BehaviorSubject, distinctUntilChanged, Observable, Subject } from 'rxjs';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import { dataNodes, dbOf, isCluster } from '../redis/redis.topology';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { claimKey, eventsChannel, selectorOfKey } from '../store/session.keys';
import { SessionStore } from '../store/session.store';
import { eventKey, fromPublished, PublishedEvent, SessionEvent } from './session.event';

/** The `notify-keyspace-events` flags the library needs (E: keyevent channels, x: expired, e: evicted), and why. */
const WHAT_BREAKS: Record<string, string> = {
  E: 'no keyevent notifications at all',
  x: "no 'expired' events as sessions time out (the cleanup sweep still reports them, later)",
  e: "no 'evicted' events when Redis evicts sessions under memory pressure",
};

/** @internal */
export function missingFlags(current: string): string[] {
  // 'A' is the alias for every key-type and event flag (g$lshzxetd), which covers x and e.
  const have = new Set(current.includes('A') ? [...current, 'x', 'e'] : [...current]);
  return Object.keys(WHAT_BREAKS).filter((f) => !have.has(f));
}

/** Health of the event feed, for logs and health checks. @publicApi */
export interface SessionEventsStatus {
  /** 'off' when events are disabled by option. */
  subscriber: 'up' | 'down' | 'off';
  /** Whether Redis sends the expiry/eviction notifications the library needs. */
  keyspaceNotifications: 'on' | 'missing' | 'unknown';
}
type NotificationState = SessionEventsStatus['keyspaceNotifications'];

/**
 * One shared, typed stream of session events for this app instance, completed when the app shuts down.
 * - created / invalidated / rotated: the library's Lua scripts publish them on `<prefix>events`, to every instance;
 * - expired / evicted: keyspace notifications reach every instance (on Cluster, every master) and the first to report
 *   one publishes it; without notifications, the sweep and the index cleanup report them later;
 * - refreshed: local to the instance that served the request (the hot path publishes nothing).
 * Every instance sees each event once: wrap once-per-deployment side effects (emails, audits) in `claim()`. @publicApi
 */
@Injectable()
export class SessionEvents implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SessionEvents');
  private readonly subject = new Subject<SessionEvent>();
  /** Every session event this instance sees. Hot: subscribe before the events you want happen. */
  readonly events$: Observable<SessionEvent> = this.subject.asObservable();
  private readonly subscribers = new Map<string, Redis | Cluster>();
  private readonly channel: string;
  private notifications: NotificationState = 'unknown';
  private downSince: number | null = null;
  private destroyed = false;
  /** Subscribers whose SUBSCRIBE has been answered since their last (re)connect. */
  private readonly listening = new Set<Redis | Cluster>();
  private readonly feed = new BehaviorSubject(false);
  /** Whether every event subscriber is connected and subscribed (else other instances' events are missed). @internal */
  readonly feedUp$: Observable<boolean> = this.feed.pipe(distinctUntilChanged());
  private readonly changes = new Subject<string>();
  /** Public ids of sessions whose data another instance changed (published for event-invalidated caches). @internal */
  readonly changed$: Observable<string> = this.changes.asObservable();

  /** @internal Nest creates it. */
  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
    private readonly store: SessionStore,
  ) {
    this.channel = eventsChannel(options.keyPrefix);
  }

  /** @internal */
  get feedUp(): boolean {
    return this.feed.value;
  }

  get status(): SessionEventsStatus {
    const up = this.subscribers.size > 0 && [...this.subscribers.values()].every((s) => s.status === 'ready');
    const subscriber = !this.options.events.enabled ? 'off' : up ? 'up' : 'down';
    return { subscriber, keyspaceNotifications: this.notifications };
  }

  /** Whether anyone listens: lets the hot path skip building 'refreshed' events nobody reads. @internal */
  get observed(): boolean {
    return this.subject.observed;
  }

  /** Emits an event seen only by this instance ('refreshed'). @internal */
  emitLocal(event: SessionEvent): void {
    this.subject.next(event); // a no-op once completed (destroyed)
  }

  /**
   * True for exactly one of the instances that claim the same event within `ttlMs` (SET NX PX), for side effects that
   * must run once per deployment: `if (await events.claim(e)) await audit.write(e);`. An event is named by what it is
   * (rotations by their Redis time), never by when an instance heard it. A Redis error is false: nobody runs it twice.
   */
  async claim(event: SessionEvent, ttlMs = 60_000): Promise<boolean> {
    const key = claimKey(this.options.keyPrefix, eventKey(event));
    const claimed = this.connections.command.set(key, this.options.instanceId, 'PX', ttlMs, 'NX').catch(() => null);
    return (await claimed) === 'OK';
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.events.enabled) return;
    const command = this.connections.command;
    const cluster = isCluster(command);
    await this.connections.connect();
    // Keyspace notifications are node-local: on Cluster, one subscriber per master follows them through failovers
    // and resharding. The events channel is cluster-wide: subscribed once, or each event would arrive once per master.
    const channels = cluster ? [this.channel] : [this.channel, ...keyevents(dbOf(command))];
    await this.subscribe('channel', this.connections.openSubscriber('session:events'), channels);
    if (cluster) {
      command.on('refresh', () => void this.syncClusterSubscribers());
      await this.syncClusterSubscribers();
    }
    await this.checkNotifications();
    // A promoted replica (failover) may lack the old master's flags: check again on every reconnect.
    command.on('ready', () => void this.checkNotifications());
  }

  /** Checks each node's `notify-keyspace-events` (never rejects): adds missing flags if configured to, else warns. */
  private async checkNotifications(): Promise<void> {
    let state: NotificationState = 'on';
    for (const node of dataNodes(this.connections.command)) {
      const found = await this.notificationsOn(node);
      if (found !== 'on') state = found;
    }
    this.notifications = state;
  }

  private async notificationsOn(node: Redis): Promise<NotificationState> {
    let current: string;
    try {
      current = ((await node.config('GET', 'notify-keyspace-events')) as unknown as string[])[1] ?? '';
    } catch (err) {
      this.logger.warn(`Cannot read notify-keyspace-events (${(err as Error).message}). If it lacks "Exe", expiry ` +
        'and eviction events will not arrive instantly; set it in redis.conf (notify-keyspace-events Exe).');
      return 'unknown';
    }
    const missing = missingFlags(current);
    if (missing.length === 0) return 'on';
    if (this.options.events.configureKeyspaceNotifications) {
      const wanted = current + missing.join('');
      const set = await node.config('SET', 'notify-keyspace-events', wanted).then(() => true, (err: Error) => {
        this.logger.warn(`CONFIG SET notify-keyspace-events failed (${err.message}); managed Redis often forbids it`);
        return false;
      });
      if (set) {
        this.logger.log(`Set notify-keyspace-events to "${wanted}" (events.configureKeyspaceNotifications)`);
        return 'on';
      }
    }
    this.logger.warn(`notify-keyspace-events is "${current}", missing ${missing.map((f) => `"${f}"`).join(', ')}: ` +
      `${missing.map((f) => WHAT_BREAKS[f]).join('; ')}. Add them in redis.conf (notify-keyspace-events Exe), or ` +
      'set events.configureKeyspaceNotifications: true.');
    return 'missing';
  }

  onModuleDestroy(): void {
    this.destroyed = true;
    this.feed.next(false);
    this.subject.complete();
    this.changes.complete();
  }

  private subscribe(name: string, sub: Redis | Cluster, channels: string[]): Promise<void> {
    this.subscribers.set(name, sub);
    const listen = () => sub.subscribe(...channels).then(() => this.onListening(sub, true));
    sub.on('ready', () => {
      if (this.downSince !== null) {
        this.logger.log(`Event subscription restored after ${Date.now() - this.downSince} ms`);
        this.downSince = null;
      }
      // ioredis re-subscribes by itself after a reconnect, but says nothing when that is done: ask once more (a
      // repeated SUBSCRIBE is harmless) and count the feed as up only when Redis has answered.
      listen().catch(() => undefined);
    });
    sub.on('close', () => {
      this.onListening(sub, false);
      if (this.destroyed || this.downSince !== null) return;
      this.downSince = Date.now();
      const lost = 'Event subscription lost: cross-instance events are not received until Redis is reachable again';
      this.logger.warn(lost);
    });
    sub.on('message', (channel: string, message: string) => this.onMessage(channel, message));
    // Queued until connected (subscriber connections keep an offline queue) and re-sent on every reconnect.
    const subscribed = listen().catch((err) => this.logger.warn(`SUBSCRIBE failed: ${(err as Error).message}`));
    // Boot waits for the subscription (so events right after boot are not missed), but never hangs on a dead Redis.
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(this.options.redisCommandTimeoutMs, 2000));
      void subscribed.finally(() => clearTimeout(timer)).then(resolve);
    });
  }

  private async syncClusterSubscribers(): Promise<void> {
    const nodes = (this.connections.command as Cluster).nodes('master');
    const masters = new Map<string, RedisOptions>(nodes.map(({ options: o }) => [`${o.host}:${o.port}`, o]));
    for (const [name, sub] of this.subscribers) {
      if (name !== 'channel' && !masters.has(name)) {
        this.subscribers.delete(name);
        this.onListening(sub, false);
        void this.connections.close(sub);
      }
    }
    const added = [...masters].filter(([address]) => !this.subscribers.has(address) && !this.destroyed);
    await Promise.all(added.map(([address, { host, port }]) => {
      const sub = this.connections.openNodeSubscriber(host!, port!, `session:events:${address}`);
      return this.subscribe(address, sub, keyevents(0));
    }));
    if (added.length > 0 && this.notifications !== 'unknown') await this.checkNotifications();
  }

  private onListening(sub: Redis | Cluster, up: boolean): void {
    if (up && sub.status === 'ready') this.listening.add(sub);
    else this.listening.delete(sub);
    const all = [...this.subscribers.values()];
    this.feed.next(!this.destroyed && all.length > 0 && all.every((s) => this.listening.has(s)));
  }

  private onMessage(channel: string, message: string): void {
    if (this.destroyed) return;
    if (channel === this.channel) {
      let parsed: PublishedEvent;
      try {
        parsed = JSON.parse(message) as PublishedEvent;
      } catch {
        return;
      }
      const event = fromPublished(parsed);
      if (parsed.type === 'changed') this.changes.next(parsed.id);
      else if (event) this.subject.next(event);
      return;
    }
    // A keyevent channel, the only others subscribed. Every instance hears this; the first to report it publishes the
    // event (to all, this one included), the others find the index entry gone.
    const kind = channel.endsWith(':expired') ? 'expired' : 'evicted';
    const selector = selectorOfKey(this.options.keyPrefix, message);
    if (!selector) return;
    const warn = (err: Error) => this.logger.warn(`Could not report a session ${kind}: ${err.message}; the sweep will`);
    this.store.reportEnd(selector, kind, 'notification').catch(warn);
  }
}

function keyevents(db: number): string[] {
  return [`__keyevent@${db}__:expired`, `__keyevent@${db}__:evicted`];
}
