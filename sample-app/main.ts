import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { SessionRedisConnection } from 'nestjs-redis-session';
import { createSampleApp, HttpAdapterName } from './bootstrap';
import { RedisServerProcess } from './redis/redis-server.process';

/**
 * Env: PORT (3000), HOST (127.0.0.1), SESSION_IDLE_SECONDS (1800), SESSION_ABSOLUTE_SECONDS (86400),
 * COOKIE_SECURE (false), HTTP_ADAPTER (express), and where Redis is, first match wins:
 * - REDIS_SENTINELS=host:port,host:port,... with REDIS_SENTINEL_NAME (mymaster): Redis Sentinel;
 * - REDIS_CLUSTER_NODES=host:port,...: Redis Cluster (a few startup nodes are enough, the rest is discovered);
 * - REDIS_URL: one Redis server;
 * - none of these: start a private redis-server with AOF on.
 */
async function main(): Promise<void> {
  const logger = new Logger('SampleApp');
  const env = process.env;
  let privateRedis: RedisServerProcess | undefined;
  let redis: SessionRedisConnection;
  if (env.REDIS_SENTINELS) {
    const name = env.REDIS_SENTINEL_NAME || 'mymaster';
    redis = { sentinels: parseHostPorts('REDIS_SENTINELS', env.REDIS_SENTINELS), name };
    logger.log(`Redis Sentinel: master "${name}" via ${env.REDIS_SENTINELS}`);
  } else if (env.REDIS_CLUSTER_NODES) {
    redis = { cluster: { nodes: parseHostPorts('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES) } };
    logger.log(`Redis Cluster via ${env.REDIS_CLUSTER_NODES}`);
  } else if (env.REDIS_URL) {
    redis = env.REDIS_URL;
  } else {
    privateRedis = await new RedisServerProcess(['--appendonly', 'yes', '--appendfsync', 'everysec']).start();
    // Killed with us even on a crash, so no stray redis-server is left behind.
    process.once('exit', () => privateRedis?.kill());
    redis = privateRedis.url;
    logger.log(`REDIS_URL not set: started a private redis-server at ${redis} (AOF on, dir ${privateRedis.dir})`);
  }
  const host = env.HOST || '127.0.0.1';
  const port = Number(env.PORT || 3000);
  const app = await createSampleApp(
    {
      redis,
      idleSeconds: Number(env.SESSION_IDLE_SECONDS || 1800),
      absoluteSeconds: Number(env.SESSION_ABSOLUTE_SECONDS || 86400),
      cookieSecure: env.COOKIE_SECURE === 'true',
    },
    (env.HTTP_ADAPTER as HttpAdapterName) || 'express',
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().finally(async () => {
        await privateRedis?.dispose();
        process.exit(0);
      });
    });
  }
  await app.listen(port, host);
  // Plain stdout (not the Nest logger), for tools that wait for this exact line.
  console.log(`listening on http://${host}:${port}`);
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:6379`); a malformed entry stops boot with the variable's name. */
function parseHostPorts(variable: string, value: string): Array<{ host: string; port: number }> {
  return value.split(',').map((entry) => {
    const m = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(entry);
    const port = m ? Number(m[3]) : 0;
    if (!m || port < 1 || port > 65535) {
      throw new Error(`${variable} must be a comma-separated list of host:port, got ${JSON.stringify(entry)}`);
    }
    return { host: m[1] ?? m[2], port };
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
