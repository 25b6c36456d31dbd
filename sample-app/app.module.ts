import { Module } from '@nestjs/common';
import { SessionModule, SessionModuleOptions, SessionRedisConnection } from 'nestjs-redis-session';
import { AuthController } from './auth/auth.controller';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { MeController } from './me/me.controller';
import { SessionsController } from './sessions/sessions.controller';
import { UsersService } from './users/users.service';
import { LogoutOthersController, WebController } from './web';

export interface SampleAppConfig {
  /** Where sessions live: a URL, `{ sentinels, name }`, `{ cluster: { nodes } }`, ioredis options or a client. */
  redis: SessionRedisConnection;
  idleSeconds: number;
  absoluteSeconds: number;
  cookieSecure: boolean;
  /** Extra library options (tests use them for short TTLs and private key prefixes). */
  sessionOverrides?: Partial<SessionModuleOptions>;
}

/** The sample app, built from its config so tests can start several instances against one Redis. */
@Module({})
export class AppModule {
  static register(config: SampleAppConfig) {
    return {
      module: AppModule,
      imports: [
        SessionModule.forRootAsync({
          isGlobal: true,
          useFactory: () => ({
            redis: config.redis,
            idleTimeoutSeconds: config.idleSeconds,
            absoluteTimeoutSeconds: config.absoluteSeconds,
            cookie: { name: 'sid', secure: config.cookieSecure, sameSite: 'lax' as const, path: '/' },
            // Expiry events work on a stock Redis: the library adds the notify-keyspace-events flags it needs.
            events: { configureKeyspaceNotifications: true },
            // Hot sessions are served from memory; Redis tells every instance when one changes or ends.
            cache: { enabled: true },
            ...config.sessionOverrides,
          }),
        }),
      ],
      controllers: [AuthController, MeController, SessionsController, HealthController, EventsController, WebController, LogoutOthersController],
      providers: [UsersService],
    };
  }
}
