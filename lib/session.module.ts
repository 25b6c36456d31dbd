import { Module } from '@nestjs/common';
import { SessionCache } from './store/session.cache';
import { SessionEvents } from './events/session.events';
import { SessionSweeper } from './events/session.sweeper';
import { SessionHealthIndicator } from './health/session-health.indicator';
import { SessionMetrics } from './session.metrics';
import { SessionReadiness } from './health/session.readiness';
import { SessionRedisConnections } from './redis/session-redis.connections';
import { SessionGuard } from './session.guard';
import { SessionCookie } from './http/session.cookie';
import { InFlightExchanges } from './http/in-flight.exchanges';
import { SessionResolver } from './session.resolver';
import { LegacySessionMigration } from './http/legacy.migration';
import { ConfigurableSessionModule, SESSION_MODULE_OPTIONS } from './session.module-definition';
import { resolveSessionOptions } from './options/session.options.resolver';
import { SessionService } from './session.service';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from './session.tokens';
import { SessionStore } from './store/session.store';
import { SessionSockets } from './session.sockets';

/**
 * Server-side sessions in Redis: `SessionModule.forRoot({ redis: 'redis://localhost:6379' })`, or `forRootAsync({
 * imports, inject, useFactory })`; `isGlobal: true` makes it app-wide. Options are validated at boot. @publicApi
 */
@Module({
  providers: [
    { provide: SESSION_OPTIONS, useFactory: resolveSessionOptions, inject: [SESSION_MODULE_OPTIONS] },
    SessionRedisConnections, SessionMetrics,
    { provide: SESSION_REDIS_CLIENT, useFactory: (c: SessionRedisConnections) => c.command, inject: [SessionRedisConnections] },
    SessionStore, SessionReadiness, SessionHealthIndicator, SessionEvents, SessionCache, SessionSweeper, SessionCookie,
    InFlightExchanges, LegacySessionMigration, SessionResolver, SessionService, SessionGuard, SessionSockets,
  ],
  // SessionResolver (internal) is exported for the guard, which Nest instantiates in the modules that use it.
  exports: [SessionService, SessionResolver, SessionGuard, SessionSockets, SessionEvents, SessionSweeper, SessionHealthIndicator, SESSION_OPTIONS, SESSION_REDIS_CLIENT],
})
export class SessionModule extends ConfigurableSessionModule {}
