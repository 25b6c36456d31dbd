import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { SessionModule } from 'nestjs-redis-session';
import { AuthController } from './auth.controller.js';
import { CartGateway } from './cart.gateway.js';
import { APP_REDIS, RedisModule } from './redis.module.js';
import { TelemetryController } from './telemetry.controller.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    RedisModule,
    SessionModule.forRootAsync({
      isGlobal: true,
      inject: [APP_REDIS],
      useFactory: (redis: Redis) => ({ redis, idleTimeoutSeconds: 1800 }),
    }),
  ],
  controllers: [AuthController, TelemetryController],
  providers: [UsersService, CartGateway],
})
export class AppModule {}
