import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { SessionEvents } from '../events/session.events';
import { isCluster } from '../redis/redis.topology';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import type { ActiveSession } from '../session.types';
import { selectorOfKey, sessionKeyPrefix } from './session.keys';
import { idOf, StoredSession } from './stored.session';

/** @internal */
export interface CacheEntry {
  stored: StoredSession;
  /** The object handed to app code, reused on every hit. */
  session: ActiveSession;
  /** When Redis last confirmed this session (ms, local clock). */
  confirmedAt: number;
  /** The current verifier, once a request has shown it (SessionResolver). */
  verifier?: string;
}

/** How invalidations reach the cache right now: Redis tracking, the library's events, or not at all ('down'). */
export type CacheMode = 'off' | 'tracking' | 'events' | 'down';

const INVALIDATE_CHANNEL = '__redis__:invalidate';
const ENDED = new Set(['invalidated', 'expired', 'evicted', 'rotated']);

/**
 * Per-instance LRU of resolved sessions (by selector): a hot session costs no Redis round trip. Invalidated by
 * - tracking: `CLIENT TRACKING ON REDIRECT <subscriber> BCAST PREFIX <prefix>s: NOLOOP`; a RESP2 subscriber on
 *   `__redis__:invalidate` hears of every write, expiry and eviction of a session key by anyone else;
 * - events: the library's events plus `maxStalenessMs`: for Cluster, and with `auto` when REDIRECT is refused.
 * Redis tells nothing of what happened while a connection was down (redis/redis #11767): while any connection the
 * mode relies on is not ready, the cache is emptied and bypassed. @internal
 */
@Injectable()
export class SessionCache implements OnModuleInit {
  private readonly logger = new Logger('SessionCache');
  private lru?: LRUCache<string, CacheEntry>;
  // When we last slid each session's expiry; not in the entries: NOLOOP does not hide script writes, so a slide
  // invalidates its own entry, and the re-read must not slide again.
  private slides?: LRUCache<string, number>;
  /** Read-only outside this class. */
  mode: CacheMode = 'off';
  /** Bumped on every invalidation: pass it back to set(), so a read that raced an invalidation is not cached. */
  epoch = 0;
  private subscriber?: Redis;
  private subscriberId?: number;
  private enabling: Promise<void> = Promise.resolve();

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
    private readonly events: SessionEvents,
  ) {}

  /** True when entries may be served. */
  get usable(): boolean {
    return this.mode === 'tracking' || this.mode === 'events';
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.cache.enabled) return;
    await this.connections.connect();
    this.lru = new LRUCache<string, CacheEntry>({ max: this.options.cache.maxEntries });
    this.slides = new LRUCache<string, number>({ max: this.options.cache.maxEntries });
    this.mode = 'down';
    // In every mode the library's events drop entries too (in events mode, nothing else does).
    const forgetId = (id: string) => this.forget((_, stored) => idOf(stored) === id);
    this.events.events$.subscribe((e) => {
      if (ENDED.has(e.type)) forgetId(e.id);
    });
    this.events.changed$.subscribe(forgetId);
    this.events.feedUp$.subscribe((up) => {
      if (!up && this.mode === 'events') this.drop('event subscriber lost');
      else if (up && this.mode === 'down') void this.enable();
    });
    const command = this.connections.command;
    command.on('close', () => this.drop('command connection lost'));
    command.on('ready', () => void this.enable());
    // Tracking redirect is per node connection: Cluster gets events.
    if (this.options.cache.invalidation === 'events' || isCluster(command)) return this.enable();
    const sub = this.connections.openSubscriber('session:invalidate') as Redis;
    sub.options.autoResubscribe = false; // resubscribed on 'ready', once it has the id to redirect to
    this.subscriber = sub;
    sub.on('close', () => {
      this.subscriberId = undefined; // dead with its connection: never redirect to it again
      this.drop('invalidation subscriber lost');
    });
    sub.on('ready', async () => {
      try {
        this.subscriberId = Number(await sub.client('ID'));
        await sub.subscribe(INVALIDATE_CHANNEL);
      } catch (err) {
        return this.logger.warn(`Invalidation subscriber setup failed: ${(err as Error).message}`);
      }
      await this.enable();
    });
    sub.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (channel.toString() === INVALIDATE_CHANNEL) this.onInvalidate(message);
    });
    await sub.connect().catch(() => undefined);
  }

  get(selector: string): CacheEntry | undefined {
    return this.usable ? this.lru?.get(selector) : undefined;
  }

  set(selector: string, stored: StoredSession, session: ActiveSession, epoch: number): void {
    if (this.usable && epoch === this.epoch) this.lru?.set(selector, { stored, session, confirmedAt: Date.now() });
  }

  /** We changed or ended it: drop it, and keep in-flight reads from caching it (Redis tells us late, or never). */
  invalidate(selector: string): void {
    this.epoch++;
    this.lru?.delete(selector);
  }

  /** When this instance last slid the session's expiry in Redis (ms), if it did. */
  lastSlide(selector: string): number | undefined {
    return this.usable ? this.slides?.get(selector) : undefined;
  }

  noteSlide(selector: string, at: number): void {
    if (this.usable) this.slides?.set(selector, at);
  }

  /** Drops every cached session of a user (after logout-all on this instance; NOLOOP hides our own writes). */
  forgetUser(userId: string, except?: string): void {
    this.forget((selector, stored) => stored.userId === userId && selector !== except);
  }

  private forget(matches: (selector: string, stored: StoredSession) => boolean): void {
    if (!this.lru) return;
    this.epoch++;
    for (const [selector, entry] of this.lru.entries()) if (matches(selector, entry.stored)) this.lru.delete(selector);
  }

  /** (Re)turns invalidation on once the mode's connections are ready. Queued: interleaved TRACKING OFF/ON fail. */
  private enable(): Promise<void> {
    this.enabling = this.enabling.then(() => this.enableNow());
    return this.enabling;
  }

  private async enableNow(): Promise<void> {
    const command = this.connections.command;
    if (command.status !== 'ready') return;
    const wanted = this.options.cache.invalidation;
    if (wanted === 'events' || isCluster(command)) {
      if (wanted === 'tracking') return this.refuse('Redis Cluster has no tracking redirect across nodes');
      return this.enableEvents();
    }
    if (this.subscriber?.status !== 'ready' || !this.subscriberId) return;
    try {
      await command.client('TRACKING', 'OFF');
      const prefix = sessionKeyPrefix(this.options.keyPrefix);
      await command.client('TRACKING', 'ON', 'REDIRECT', this.subscriberId, 'BCAST', 'PREFIX', prefix, 'NOLOOP');
      this.restart('tracking');
    } catch (err) {
      const why = `CLIENT TRACKING with REDIRECT refused (${(err as Error).message})`;
      if (wanted === 'tracking') return this.refuse(why);
      this.logger.warn(`${why}; the cache falls back to the library's invalidation events and maxStalenessMs ` +
        `(${this.options.cache.maxStalenessMs} ms)`);
      this.enableEvents();
    }
  }

  private enableEvents(): void {
    // Without the event feed, another instance's logout would go unheard: stay bypassed until it is up.
    if (this.events.feedUp) this.restart('events');
    else this.mode = 'down';
  }

  private refuse(why: string): void {
    this.logger.error(`cache.invalidation is 'tracking' but ${why}: the cache is bypassed`);
    this.mode = 'down';
  }

  /** Empties the cache and goes on in `mode`: nothing heard before this moment can be trusted. */
  private restart(mode: CacheMode): void {
    this.lru?.clear();
    this.slides?.clear();
    this.epoch++;
    this.mode = mode;
  }

  private drop(reason: string): void {
    if (this.mode !== 'down') this.logger.warn(`Session cache emptied and bypassed: ${reason}`);
    this.restart('down');
  }

  private onInvalidate(message: Buffer[] | Buffer | null): void {
    if (message === null) return this.restart(this.mode); // null means everything (FLUSHALL / FLUSHDB)
    for (const key of Array.isArray(message) ? message : [message]) {
      const selector = selectorOfKey(this.options.keyPrefix, key.toString());
      if (selector) this.invalidate(selector);
    }
  }
}
