import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createSampleApp, HttpAdapterName } from './bootstrap';
import { RedisServerProcess } from './redis/redis-server.process';

/**
 * Env: PORT (3000), HOST (127.0.0.1), REDIS_URL (unset: start a private redis-server with AOF on),
 * SESSION_IDLE_SECONDS (1800), SESSION_ABSOLUTE_SECONDS (86400), COOKIE_SECURE (false), HTTP_ADAPTER (express).
 */
async function main(): Promise<void> {
  const logger = new Logger('SampleApp');
  const env = process.env;
  let privateRedis: RedisServerProcess | undefined;
  let redisUrl = env.REDIS_URL;
  if (!redisUrl) {
    privateRedis = await new RedisServerProcess(['--appendonly', 'yes', '--appendfsync', 'everysec']).start();
    // Killed with us even on a crash, so no stray redis-server is left behind.
    process.once('exit', () => privateRedis?.kill());
    redisUrl = privateRedis.url;
    logger.log(`REDIS_URL not set: started a private redis-server at ${redisUrl} (AOF on, dir ${privateRedis.dir})`);
  }
  const host = env.HOST || '127.0.0.1';
  const port = Number(env.PORT || 3000);
  const app = await createSampleApp(
    {
      redisUrl,
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

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
