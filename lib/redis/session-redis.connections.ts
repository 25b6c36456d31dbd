import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import type { ResolvedSessionOptions } from '../session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { createRedisClient, failFastOptions, isRedisClient } from './redis-client.factory';

/**
 * Owns the library's Redis connections: the command connection and any subscriber connections handed out.
 * Whatever it opens it also closes; a client the app passed in is left to the app.
 * @internal
 */
@Injectable()
export class SessionRedisConnections implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionRedis');
  readonly command: Redis | Cluster;
  private readonly ownsCommand: boolean;
  private readonly opened: Array<Redis | Cluster> = [];

  constructor(@Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions) {
    this.ownsCommand = !isRedisClient(options.redis);
    this.command = createRedisClient(options.redis, options, 'cmd');
    if (this.ownsCommand) this.opened.push(this.command);
    // An 'error' listener keeps ioredis from printing every reconnect failure as an unhandled error event.
    this.command.on('error', () => undefined);
  }

  /** Opens a dedicated connection for SUBSCRIBE (a subscribed connection cannot run other commands). */
  openSubscriber(name = 'session:sub'): Redis | Cluster {
    const sub = isRedisClient(this.options.redis)
      ? (this.options.redis as Redis).duplicate({ ...failFastOptions(this.options, 'sub'), connectionName: name } as never)
      : createRedisClient(this.options.redis, this.options, 'sub');
    if (sub instanceof Redis) sub.options.connectionName = name;
    sub.on('error', () => undefined);
    this.opened.push(sub);
    return sub;
  }

  /** Whether the command connection is usable right now. */
  get isReady(): boolean {
    return this.command.status === 'ready';
  }

  async onModuleInit(): Promise<void> {
    if (!this.ownsCommand) return;
    try {
      await this.command.connect();
    } catch (err) {
      // Boot goes on: requests answer 503 until Redis is reachable, and ioredis keeps reconnecting.
      this.logger.warn(`Redis not reachable at boot (${(err as Error).message}); session routes answer 503 until it is`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((c) => closeQuietly(c)));
  }
}

async function closeQuietly(client: Redis | Cluster): Promise<void> {
  try {
    if (client.status === 'ready') await client.quit();
    else client.disconnect();
  } catch {
    client.disconnect();
  }
}
