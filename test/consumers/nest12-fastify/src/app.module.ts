import { Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { TerminusModule } from '@nestjs/terminus';
import { SessionModule } from 'nestjs-redis-session';
import { AuthController } from './auth.controller.js';
import { CartGateway } from './cart.gateway.js';
import { HealthController } from './health.controller.js';
import { SessionResolver } from './session.resolver.js';
import { UsersService } from './users.service.js';

@Module({
  imports: [
    ConfigModule.forRoot(),
    TerminusModule,
    SessionModule.forRootAsync({
      isGlobal: true,
      imports: [ConfigModule],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({
        redis: config.getOrThrow('REDIS_URL'),
        idleTimeoutSeconds: config.get('SESSION_IDLE_SECONDS', 1800),
        cookie: { secure: config.get('NODE_ENV') === 'production' },
      }),
    }),
    // The README's Mercurius setup: nothing session-specific needed for queries and mutations.
    GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true }),
  ],
  controllers: [AuthController, HealthController],
  providers: [UsersService, CartGateway, SessionResolver],
})
export class AppModule {}
