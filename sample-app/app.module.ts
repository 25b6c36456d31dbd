import { Module } from '@nestjs/common';
import { SessionModule } from 'nestjs-redis-session';
import { AuthController } from './auth/auth.controller';
import type { SampleAppConfig } from './config/sample-app-config';
import { sessionModuleOptionsFor } from './config/session-module-options';
import { EventsController } from './events/events.controller';
import { SessionEventStreams } from './events/session-event-streams';
import { HealthController } from './health/health.controller';
import { MeController } from './me/me.controller';
import { SessionsController } from './sessions/sessions.controller';
import { UsersService } from './users/users.service';
import { LogoutOthersController, WebController } from './web';

export type { SampleAppConfig } from './config/sample-app-config';

/** The sample app, built from its config so tests can start several instances against one Redis. */
@Module({})
export class AppModule {
  static register(config: SampleAppConfig) {
    return {
      module: AppModule,
      imports: [
        SessionModule.forRootAsync({
          isGlobal: true,
          useFactory: () => sessionModuleOptionsFor(config),
        }),
      ],
      controllers: [AuthController, MeController, SessionsController, HealthController, EventsController, WebController, LogoutOthersController],
      providers: [UsersService, SessionEventStreams],
    };
  }
}
