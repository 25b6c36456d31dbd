import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import type { SessionRedisConnection } from 'nestjs-redis-session';
import { createSampleApp } from './bootstrap';
import { sampleConfigFromEnv } from './config/sample-config';
import { RedisServerProcess } from '../tools/redis-server.process';

/**
 * Starts the sample app from the environment; every variable is listed in README "The sample app" and read by
 * sampleConfigFromEnv. A bad value stops boot with an error naming the variable, before anything is started.
 * Where Redis is, first match wins: REDIS_SENTINELS (+ REDIS_SENTINEL_NAME), REDIS_CLUSTER_NODES, REDIS_URL;
 * none of these: a private redis-server with AOF on.
 */
async function main(): Promise<void> {
  const logger = new Logger('SampleApp');
  const config = sampleConfigFromEnv(process.env);
  let privateRedis: RedisServerProcess | undefined;
  let redis: SessionRedisConnection;
  if (config.redis) {
    redis = config.redis.connection;
    if (config.redis.description) logger.log(config.redis.description);
  } else {
    privateRedis = await new RedisServerProcess(['--appendonly', 'yes', '--appendfsync', 'everysec']).start();
    // Killed with us even on a crash, so no stray redis-server is left behind.
    process.once('exit', () => privateRedis?.kill());
    redis = privateRedis.url;
    logger.log(`REDIS_URL not set: started a private redis-server at ${redis} (AOF on, dir ${privateRedis.dir})`);
  }
  const app = await createSampleApp({ redis, ...config.settings }, config.adapter);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void app.close().finally(async () => {
        await privateRedis?.dispose();
        process.exit(0);
      });
    });
  }
  await app.listen(config.port, config.host);
  // The bound port, which differs from PORT when PORT=0 asks for any free one.
  const { port } = app.getHttpServer().address() as AddressInfo;
  // Plain stdout (not the Nest logger), for tools that wait for this exact line.
  console.log(`listening on http://${config.host}:${port}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
