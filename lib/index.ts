export { SessionModule } from './session.module';
export { SessionService } from './session.service';
export { SessionGuard } from './session.guard';
export { Session, SessionData } from './decorators/session.decorator';
export { PublicRoute } from './decorators/public-route.decorator';
export { SessionModuleOptions, type SessionRedisConnection, type SessionRedisClient } from './options/session.options';
export {
  SessionCookieOptions, SessionCacheOptions, SessionEventsOptions, SessionRememberMeOptions, SessionBindingOptions,
  SessionRotationOptions, SessionCsrfOptions, SessionLegacyOptions, type LegacySessionMapping,
} from './options/nested.options';
export type { ActiveSession, SessionSummary, CreateSessionInput, InvalidationReason } from './session.types';
export { SessionEvents, type SessionEventsStatus } from './events/session.events';
export { SessionSweeper, type SweepReport } from './events/session.sweeper';
export {
  isSessionEvent, type SessionEvent, type SessionEventType, type SessionCreatedEvent, type SessionRefreshedEvent,
  type SessionInvalidatedEvent, type SessionRotatedEvent, type SessionExpiredEvent, type SessionEvictedEvent,
} from './events/session.event';
export { SessionSockets, SESSION_ENDED_CLOSE_CODE } from './session.sockets';
export { SessionHealthIndicator } from './health/session-health.indicator';
export type { RedisReadinessReport, ReadinessFinding } from './health/redis.readiness';
export { InjectSessionRedis } from './session.tokens';
export * from './errors';
export type { SessionRequest } from './http/session.request';
export { sessionFormatError } from './graphql/graphql.errors';
export type { SessionErrorExtensions } from './errors/session.error';
