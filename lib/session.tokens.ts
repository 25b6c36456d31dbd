import { Inject } from '@nestjs/common';

/** Options after defaults and validation. @internal */
export const SESSION_OPTIONS = 'SESSION:OPTIONS';
/** The ioredis client used for session commands. @internal */
export const SESSION_REDIS_CLIENT = 'SESSION:REDIS_CLIENT';

/** Injects the library's Redis command client (handy for health checks). @publicApi */
export const InjectSessionRedis = () => Inject(SESSION_REDIS_CLIENT);
