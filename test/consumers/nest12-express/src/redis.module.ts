import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

export const APP_REDIS = Symbol('APP_REDIS');

/** The app's own Redis connection (ioredis 5), shared with the session library. */
@Global()
@Module({
  providers: [
    {
      provide: APP_REDIS,
      useFactory: () => {
        const url = process.env.REDIS_URL;
        if (!url) throw new Error('REDIS_URL is not set');
        return new Redis(url);
      },
    },
  ],
  exports: [APP_REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(APP_REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit();
  }
}
