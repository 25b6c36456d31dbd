import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SessionCache } from './store/session.cache';
import { SessionEvents } from './events/session.events';
import { SessionSweeper } from './events/session.sweeper';
import { SessionHealthIndicator } from './health/session-health.indicator';
import { SessionMetrics } from './session.metrics';
import { SessionReadiness } from './health/session.readiness';
import { SessionRedisConnections } from './redis/session-redis.connections';
import { SessionGuard } from './session.guard';
import { SessionCookie } from './http/session.cookie';
import { openExchangeSlot, SessionExchangeMiddleware } from './http/session.exchange';
import { SessionResolver } from './session.resolver';
import { LegacySessionMigration } from './http/legacy.migration';
import { ConfigurableSessionModule, SESSION_MODULE_OPTIONS } from './session.module-definition';
import { resolveSessionOptions } from './options/session.options.resolver';
import { SessionService } from './session.service';
import { SESSION_OPTIONS, SESSION_REDIS_CLIENT } from './session.tokens';
import { SessionStore } from './store/session.store';
import { SessionSockets } from './session.sockets';

/**
 * Server-side sessions in Redis. `SessionModule.forRoot({ redis: 'redis://localhost:6379' })`, or
 * `forRootAsync({ imports, inject, useFactory })`; `isGlobal: true` makes it available app-wide.
 * Options are validated at boot (SessionOptionsError lists every problem).
 * @publicApi
 */
@Module({
  providers: [
    { provide: SESSION_OPTIONS, useFactory: resolveSessionOptions, inject: [SESSION_MODULE_OPTIONS] },
    SessionRedisConnections,
    { provide: SESSION_REDIS_CLIENT, useFactory: (c: SessionRedisConnections) => c.command, inject: [SessionRedisConnections] },
    { provide: SessionMetrics, useFactory: () => new SessionMetrics() },
    SessionStore,
    SessionReadiness,
    SessionHealthIndicator,
    SessionEvents,
    SessionCache,
    SessionSweeper,
    SessionCookie,
    LegacySessionMigration,
    SessionResolver,
    SessionService,
    SessionGuard,
    SessionSockets,
  ],
  // SessionResolver (internal) is exported for the guard, which Nest instantiates in the modules that use it.
  exports: [SessionService, SessionResolver, SessionGuard, SessionSockets, SessionEvents, SessionSweeper, SessionHealthIndicator, SESSION_OPTIONS, SESSION_REDIS_CLIENT],
})
export class SessionModule extends ConfigurableSessionModule implements NestModule {
  constructor(private readonly host: HttpAdapterHost) {
    super();
  }

  /**
   * Lets SessionService read and write the cookie of the request it is called in (an AsyncLocalStorage slot per
   * request). On Fastify a preHandler hook, which runs after the body is read (a middleware runs before, and the
   * body's stream events would lose the slot) and costs less than a middleware; elsewhere a middleware.
   */
  configure(consumer: MiddlewareConsumer): void {
    const adapter = this.host?.httpAdapter;
    if (adapter?.getType() === 'fastify') {
      const fastify = adapter.getInstance<{ addHook(name: string, hook: (req: unknown, reply: unknown, done: () => void) => void): void }>();
      fastify.addHook('preHandler', (_req, _reply, done) => openExchangeSlot(done));
      return;
    }
    consumer.apply(SessionExchangeMiddleware).forRoutes('*');
  }
}
