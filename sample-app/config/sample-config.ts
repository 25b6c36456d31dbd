import type { SessionRedisConnection } from 'nestjs-redis-session';
import type { HttpAdapterName } from '../bootstrap';
import { EnvReader, SampleEnv } from './env-reader';
import type { SampleAppSettings, SampleCacheMode, SampleCsrfMode, SampleSessionLimitPolicy } from './sample-app-config';
import { SampleConfigError } from './sample-config.error';

export type { SampleEnv } from './env-reader';

/** A Redis the environment names, with a line for the log. */
export interface SampleRedisChoice {
  connection: SessionRedisConnection;
  /** What to log at start; undefined for a plain REDIS_URL (which may carry a password). */
  description?: string;
}

/** Everything main.ts needs to start the app, read from the environment. */
export interface SampleLaunchConfig {
  host: string;
  port: number;
  adapter: HttpAdapterName;
  /** The Redis the environment names; undefined when it names none (main.ts then starts a private redis-server). */
  redis?: SampleRedisChoice;
  settings: SampleAppSettings;
}

const CACHE_MODES: readonly SampleCacheMode[] = ['tracking', 'events', 'off'];
const LIMIT_POLICIES: readonly SampleSessionLimitPolicy[] = ['evict-oldest', 'refuse'];
const BINDINGS = ['user-agent', 'ip'] as const;
const CSRF_MODES: readonly SampleCsrfMode[] = ['origin', 'token', 'off'];
const ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];

/**
 * The environment → configuration mapping of the sample app (see README "The sample app"). Pure: it reads only the
 * `env` it is given and starts nothing, so tests call it with a fake environment.
 * Library-level consistency (idle above absolute, rotation period not above its grace) is left to the library,
 * whose SessionOptionsError names the options at boot.
 * @throws SampleConfigError listing every bad value, each with its variable's name
 */
export function sampleConfigFromEnv(env: SampleEnv): SampleLaunchConfig {
  const read = new EnvReader(env);
  const config: SampleLaunchConfig = {
    host: read.text('HOST', '127.0.0.1'),
    port: read.wholeNumber('PORT', 3000, 0, 65535),
    adapter: read.oneOf('HTTP_ADAPTER', ADAPTERS, 'express'),
    redis: redisFromEnv(read),
    settings: {
      idleSeconds: read.wholeNumber('SESSION_IDLE_SECONDS', 1800, 1),
      absoluteSeconds: read.wholeNumber('SESSION_ABSOLUTE_SECONDS', 86400, 1),
      cookieSecure: read.boolean('COOKIE_SECURE', false),
      cache: read.oneOf('SESSION_CACHE', CACHE_MODES, 'tracking'),
      rotationSeconds: read.wholeNumber('SESSION_ROTATION_SECONDS', 0, 0, undefined, '0 turns rotation off'),
      rotationGraceSeconds: read.wholeNumber('SESSION_ROTATION_GRACE_SECONDS', 30, 0),
      maxSessionsPerUser: read.wholeNumber('SESSION_MAX_PER_USER', 0, 0, undefined, '0 means no limit'),
      onSessionLimit: read.oneOf('SESSION_ON_LIMIT', LIMIT_POLICIES, 'evict-oldest'),
      binding: bindingFromEnv(read),
      trustProxyHops: read.wholeNumber('TRUST_PROXY_HOPS', 0, 0, 100, '0 ignores X-Forwarded-For'),
      csrf: read.oneOf('CSRF_MODE', CSRF_MODES, 'origin'),
      legacySecret: read.raw('LEGACY_SESSION_SECRET') || undefined,
      graphql: read.boolean('GRAPHQL', true),
    },
  };
  if (read.problems.length > 0) throw new SampleConfigError(read.problems);
  return config;
}

/** First match wins: Sentinel, then Cluster, then one server; none of them: undefined. */
function redisFromEnv(read: EnvReader): SampleRedisChoice | undefined {
  const sentinels = read.hostPorts('REDIS_SENTINELS');
  if (sentinels) {
    const name = read.text('REDIS_SENTINEL_NAME', 'mymaster');
    return { connection: { sentinels, name }, description: `Redis Sentinel: master "${name}" via ${read.raw('REDIS_SENTINELS')}` };
  }
  const nodes = read.hostPorts('REDIS_CLUSTER_NODES');
  if (nodes) return { connection: { cluster: { nodes } }, description: `Redis Cluster via ${read.raw('REDIS_CLUSTER_NODES')}` };
  const url = read.raw('REDIS_URL');
  return url === undefined ? undefined : { connection: url };
}

function bindingFromEnv(read: EnvReader): SampleAppSettings['binding'] {
  const traits = read.list('SESSION_BINDING', BINDINGS);
  return { userAgent: traits.includes('user-agent'), ip: traits.includes('ip') };
}
