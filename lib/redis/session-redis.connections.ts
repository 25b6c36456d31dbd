import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { isCluster, isRedisClient } from './redis.topology';
import type { ResolvedSessionOptions } from '../options/session.options';
import { SESSION_OPTIONS } from '../session.tokens';
import { createRedisClient, failFastOptions } from './redis-client.factory';

/** Owns the library's Redis connections (command, subscribers): closes what it opens, not the app's. @internal */
@Injectable()
export class SessionRedisConnections implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('SessionRedis');
  readonly command: Redis | Cluster;
  private readonly opened: Array<Redis | Cluster> = [];
  private connecting?: Promise<void>;

  constructor(@Inject(SESSION_OPTIONS) private readonly options: ResolvedSessionOptions) {
    this.command = createRedisClient(options.redis, options, 'cmd');
    if (!isRedisClient(options.redis)) this.opened.push(this.command);
    // An 'error' listener keeps ioredis from printing every reconnect failure as an unhandled error event.
    this.command.on('error', () => undefined);
  }

  /** Opens a dedicated connection for SUBSCRIBE (a subscribed connection cannot run other commands). */
  openSubscriber(name = 'session:sub'): Redis | Cluster {
    const { redis } = this.options;
    const sub = isRedisClient(redis)
      ? (redis as Redis).duplicate({ ...failFastOptions(this.options, 'sub'), connectionName: name } as never)
      : createRedisClient(redis, this.options, 'sub');
    if (!isCluster(sub)) sub.options.connectionName = name;
    sub.on('error', () => undefined);
    this.opened.push(sub);
    return sub;
  }

  /** Opens a subscriber on one Cluster node (keyspace notifications are node-local), with the Cluster's credentials. */
  openNodeSubscriber(host: string, port: number, name: string): Redis {
    const base = isCluster(this.command) ? this.command.options.redisOptions ?? {} : {};
    const sub = new Redis({ ...base, ...failFastOptions(this.options, 'sub'), host, port, connectionName: name });
    sub.on('error', () => undefined);
    this.opened.push(sub);
    return sub;
  }

  /** Closes one connection this object opened (a Cluster node that is no longer a master). */
  async close(client: Redis | Cluster): Promise<void> {
    const i = this.opened.indexOf(client);
    if (i >= 0) this.opened.splice(i, 1);
    await closeQuietly(client);
  }

  /**
   * Connects the command client once; every provider that needs Redis at boot awaits this (Nest runs one module's
   * onModuleInit hooks concurrently). Never rejects: boot goes on while Redis is down (503s), ioredis reconnects.
   */
  connect(): Promise<void> {
    this.connecting ??= (async () => {
      if (isRedisClient(this.options.redis) || this.command.status !== 'wait') return;
      let timer: NodeJS.Timeout | undefined;
      // Sentinel with no reachable sentinel never settles connect(): stop waiting after 5 s, keep connecting behind.
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no connection within the boot deadline')), 5000);
      });
      await Promise.race([this.command.connect(), deadline])
        .catch((err: Error) => {
          this.logger.warn(`Redis not reachable at boot (${err.message}); session routes answer 503 until it is`);
        })
        .finally(() => clearTimeout(timer));
    })();
    return this.connecting;
  }

  onModuleInit(): Promise<void> {
    return this.connect();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((c) => closeQuietly(c)));
  }
}

async function closeQuietly(client: Redis | Cluster): Promise<void> {
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  // Not once closed (its server died and retries were stopped): disconnect() would only arm a timer.
  else if (client.status !== 'end') client.disconnect();
}
