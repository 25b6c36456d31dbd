import { Inject } from '@nestjs/common';

/** Options after defaults and validation. */
export const SESSION_OPTIONS = 'SESSION:OPTIONS';
/** The ioredis client used for session commands. */
export const SESSION_REDIS_CLIENT = 'SESSION:REDIS_CLIENT';

/** Injects the resolved session options. @publicApi */
export const InjectSessionOptions = () => Inject(SESSION_OPTIONS);
/** Injects the library's Redis command client (handy for health checks). @publicApi */
export const InjectSessionRedis = () => Inject(SESSION_REDIS_CLIENT);
