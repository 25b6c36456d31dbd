import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { filter } from 'rxjs';
import { isSessionEvent } from '../events/session-event';
import { SessionEvents } from '../events/session-events.service';
import { SessionRedisConnections } from '../redis/session-redis.connections';
import type { ResolvedSessionOptions } from '../session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { parseSessionKey } from '../store/session.keys';
import { handleOf, StoredSession } from '../store/stored-session';

/** @internal */
export interface CacheEntry {
  stored: StoredSession;
  /** The object handed to app code, reused on every hit. */
  session: object;
  /** When Redis last confirmed this session (ms, local clock). */
  confirmedAt: number;
}

/** How invalidations reach the cache: Redis tracking (preferred) or the library's own events (fallback). */
export type CacheMode = 'off' | 'tracking' | 'events' | 'down';

const INVALIDATE_CHANNEL = '__redis__:invalidate';

/**
 * Per-instance LRU of resolved sessions, so a hot session costs no Redis round trip.
 * Invalidation: Redis server-assisted client-side caching. The command connection runs
 * `CLIENT TRACKING ON REDIRECT <subscriber> BCAST PREFIX <prefix>s: NOLOOP`; a RESP2 subscriber on
 * `__redis__:invalidate` then hears of every write, expiry and eviction of a session key by anyone else (other
 * instances, other tools). Where Redis refuses REDIRECT (Redis Cloud / Software) or on Cluster, it falls back to the
 * library's `invalidated` events plus `maxStalenessMs`.
 * Redis sends nothing when the tracked connection drops (redis/redis #11767), so whenever either connection is not
 * ready the cache is emptied and bypassed until both are back.
 * @internal
 */
@Injectable()
export class SessionCache implements OnModuleInit {
  private readonly logger = new Logger('SessionCache');
  private lru?: LRUCache<string, CacheEntry>;
  /**
   * When this instance last slid each session's expiry. Kept apart from the entries because a slide is a Lua write,
   * and Redis reports writes made inside scripts to their own connection too (NOLOOP does not cover them): the
   * slide's own invalidation removes the entry, and the next request must then re-read without sliding again.
   */
  private slides?: LRUCache<string, number>;
  private modeValue: CacheMode = 'off';
  private subscriber?: Redis;
  private subscriberId?: number;
  /** Bumped on every invalidation; a read that saw it change while in flight must not be cached. */
  private generation = 0;

  constructor(
    @Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions,
    private readonly connections: SessionRedisConnections,
    private readonly events: SessionEvents,
  ) {}

  get mode(): CacheMode {
    return this.modeValue;
  }

  /** True when entries may be served. */
  get usable(): boolean {
    return this.modeValue === 'tracking' || this.modeValue === 'events';
  }

  /** Current invalidation generation; pass it back to set() to drop reads that raced an invalidation. */
  get epoch(): number {
    return this.generation;
  }

  async onModuleInit(): Promise<void> {
    if (!this.options.cache.enabled) return;
    await this.connections.connect();
    this.lru = new LRUCache<string, CacheEntry>({ max: this.options.cache.maxEntries });
    this.slides = new LRUCache<string, number>({ max: this.options.cache.maxEntries });
    this.modeValue = 'down';
    // Fallback path and belt-and-braces: the library's own invalidation events always drop the entry.
    this.events.events$.pipe(filter(isSessionEvent('invalidated'))).subscribe((e) => this.forgetHandle(e.id));
    const command = this.connections.command;
    command.on('close', () => this.drop('command connection lost'));
    command.on('ready', () => void this.enable());
    if (command instanceof Cluster) {
      // Tracking redirect is per node connection; on Cluster the events fallback is used.
      this.modeValue = command.status === 'ready' ? 'events' : 'down';
      return;
    }
    const sub = this.connections.openSubscriber('session:invalidate') as Redis;
    // Resubscribing is done by hand in onSubscriberReady: the tracking redirect needs the new connection id first.
    sub.options.autoResubscribe = false;
    this.subscriber = sub;
    sub.on('close', () => this.drop('invalidation subscriber lost'));
    sub.on('ready', () => void this.onSubscriberReady());
    sub.on('messageBuffer', (channel: Buffer, message: Buffer[] | Buffer | null) => {
      if (channel.toString() === INVALIDATE_CHANNEL) this.onInvalidate(message);
    });
    await sub.connect().catch(() => undefined);
  }

  get(hash: string): CacheEntry | undefined {
    return this.usable ? this.lru?.get(hash) : undefined;
  }

  set(hash: string, stored: StoredSession, session: object, epoch: number): void {
    if (this.usable && epoch === this.generation) this.lru?.set(hash, { stored, session, confirmedAt: Date.now() });
  }

  delete(hash: string): void {
    this.lru?.delete(hash);
  }

  /**
   * This instance changed the session: drop the entry, and make any read in flight not cache what it saw before
   * the write (Redis does report the write, but later, and only for script writes).
   */
  invalidate(hash: string): void {
    this.generation++;
    this.lru?.delete(hash);
  }

  /** When this instance last slid the session's expiry in Redis (ms), if it did. */
  lastSlide(hash: string): number | undefined {
    return this.usable ? this.slides?.get(hash) : undefined;
  }

  noteSlide(hash: string, at: number): void {
    if (this.usable) this.slides?.set(hash, at);
  }

  /** Drops every cached session of a user (after logout-all on this instance; NOLOOP hides our own writes). */
  forgetUser(userId: string, exceptHash?: string): void {
    if (!this.lru) return;
    for (const [hash, entry] of this.lru.entries()) {
      if (entry.stored.userId === userId && hash !== exceptHash) this.lru.delete(hash);
    }
  }

  private forgetHandle(id: string): void {
    if (!this.lru) return;
    this.generation++;
    for (const [hash, entry] of this.lru.entries()) {
      if (handleOf(entry.stored) === id) this.lru.delete(hash);
    }
  }

  private async onSubscriberReady(): Promise<void> {
    const sub = this.subscriber!;
    try {
      this.subscriberId = Number(await sub.client('ID'));
      await sub.subscribe(INVALIDATE_CHANNEL);
    } catch (err) {
      this.logger.warn(`Invalidation subscriber setup failed: ${(err as Error).message}`);
      return;
    }
    await this.enable();
  }

  /** (Re)turns tracking on for the current subscriber id; both connections must be ready. */
  private async enable(): Promise<void> {
    const command = this.connections.command;
    if (command instanceof Cluster) {
      if (command.status === 'ready') this.modeValue = 'events';
      return;
    }
    if (!this.subscriber || this.subscriber.status !== 'ready' || command.status !== 'ready' || !this.subscriberId) return;
    try {
      await command.client('TRACKING', 'OFF');
      await command.client(
        'TRACKING', 'ON', 'REDIRECT', this.subscriberId, 'BCAST', 'PREFIX', `${this.options.keyPrefix}s:`, 'NOLOOP',
      );
      this.clear();
      this.generation++;
      this.modeValue = 'tracking';
    } catch (err) {
      this.logger.warn(
        `CLIENT TRACKING with REDIRECT refused (${(err as Error).message}); the cache falls back to the library's ` +
          `invalidation events and maxStalenessMs (${this.options.cache.maxStalenessMs} ms)`,
      );
      this.clear();
      this.generation++;
      this.modeValue = 'events';
    }
  }

  private drop(reason: string): void {
    if (this.modeValue === 'off') return;
    if (this.modeValue !== 'down') this.logger.warn(`Session cache emptied and bypassed: ${reason}`);
    this.modeValue = 'down';
    this.generation++;
    this.clear();
  }

  private clear(): void {
    this.lru?.clear();
    this.slides?.clear();
  }

  private onInvalidate(message: Buffer[] | Buffer | null): void {
    this.generation++;
    if (message === null) {
      // A null invalidation means "everything" (FLUSHALL / FLUSHDB).
      this.clear();
      return;
    }
    const keys = Array.isArray(message) ? message : [message];
    for (const key of keys) {
      const parsed = parseSessionKey(this.options.keyPrefix, key.toString());
      if (parsed) this.lru?.delete(parsed.hash);
    }
  }
}

