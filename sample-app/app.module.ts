import { Module } from '@nestjs/common';
import { SessionModule, SessionModuleOptions } from 'nestjs-redis-session';
import { AuthController } from './auth/auth.controller';
import { HealthController } from './health/health.controller';
import { MeController } from './me/me.controller';
import { SessionsController } from './sessions/sessions.controller';
import { UsersService } from './users/users.service';

export interface SampleAppConfig {
  redisUrl: string;
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
            redis: config.redisUrl,
            idleTimeoutSeconds: config.idleSeconds,
            absoluteTimeoutSeconds: config.absoluteSeconds,
            cookie: { name: 'sid', secure: config.cookieSecure, sameSite: 'lax' as const, path: '/' },
            ...config.sessionOverrides,
          }),
        }),
      ],
      controllers: [AuthController, MeController, SessionsController, HealthController],
      providers: [UsersService],
    };
  }
}
