import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { Redis } from 'ioredis';
import { sessionFormatError, SessionModule } from 'nestjs-redis-session';
import { AuthController } from './auth.controller.js';
import { CartGateway } from './cart.gateway.js';
import { APP_REDIS, RedisModule } from './redis.module.js';
import { SessionResolver } from './session.resolver.js';
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
    // The README's Apollo setup: the request and response in the context, the session error codes kept.
    GraphQLModule.forRoot<ApolloDriverConfig>({
      driver: ApolloDriver,
      autoSchemaFile: true,
      context: ({ req, res }: { req: unknown; res: unknown }) => ({ req, res }),
      formatError: sessionFormatError,
    }),
  ],
  controllers: [AuthController, TelemetryController],
  providers: [UsersService, CartGateway, SessionResolver],
})
export class AppModule {}
