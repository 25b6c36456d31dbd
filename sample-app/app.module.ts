import { Module } from '@nestjs/common';
import { SessionModule } from 'nestjs-redis-session';
import { AuthController } from './auth/auth.controller';
import { SignInService } from './auth/sign-in.service';
import type { SampleAppConfig } from './config/sample-app-config';
import { sessionModuleOptionsFor } from './config/session-module-options';
import type { HttpAdapterName } from './bootstrap';
import { EventsController } from './events/events.controller';
import { SessionEventStreams } from './events/session-event-streams';
import { SampleGraphQLModule } from './graphql/graphql.module';
import { SessionGraphQLResolver } from './graphql/graphql.resolver';
import { HealthController } from './health/health.controller';
import { MeController } from './me/me.controller';
import { SessionsController } from './sessions/sessions.controller';
import { UsersService } from './users/users.service';
import { LogoutOthersController, WebController } from './web';

export type { SampleAppConfig } from './config/sample-app-config';

/** The sample app, built from its config so tests can start several instances against one Redis. */
@Module({})
export class AppModule {
  /** `adapter` picks the GraphQL server: Apollo on Express, Mercurius on Fastify (none with `graphql: false`). */
  static register(config: SampleAppConfig, adapter: HttpAdapterName = 'express') {
    const graphql = config.graphql !== false;
    return {
      module: AppModule,
      imports: [
        SessionModule.forRootAsync({
          isGlobal: true,
          useFactory: () => sessionModuleOptionsFor(config),
        }),
        ...(graphql ? [SampleGraphQLModule.forAdapter(adapter)] : []),
      ],
      controllers: [AuthController, MeController, SessionsController, HealthController, EventsController, WebController, LogoutOthersController],
      providers: [UsersService, SignInService, SessionEventStreams, ...(graphql ? [SessionGraphQLResolver] : [])],
    };
  }
}
