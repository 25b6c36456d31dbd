import { AppModule } from '../../sample-app/app.module';
import { sampleConfigFromEnv } from '../../sample-app/config/sample-config';
import { SessionGraphQLResolver } from '../../sample-app/graphql/graphql.resolver';
import { SampleConfigError } from '../../sample-app/config/sample-config.error';
import { sessionModuleOptionsFor } from '../../sample-app/config/session-module-options';

/** The problems a bad environment reports, or [] when it is accepted. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    sampleConfigFromEnv(env);
    return [];
  } catch (err) {
    if (err instanceof SampleConfigError) return err.problems;
    throw err;
  }
}

/** The library options the app would run with, for an environment. */
const optionsFor = (env: Record<string, string>) =>
  sessionModuleOptionsFor({ redis: 'redis://127.0.0.1:1', ...sampleConfigFromEnv(env).settings });

// The sample app's environment → configuration → library options mapping, without Redis or HTTP: the values
// `npm run sample` runs with, and the errors that stop it before anything starts.
describe('sample app environment', () => {
  it('runs with the documented defaults when nothing is set', () => {
    const config = sampleConfigFromEnv({});
    expect(config).toEqual({
      host: '127.0.0.1',
      port: 3000,
      adapter: 'express',
      redis: undefined,
      settings: {
        idleSeconds: 1800,
        absoluteSeconds: 86400,
        cookieSecure: false,
        cache: 'tracking',
        rotationSeconds: 0,
        rotationGraceSeconds: 30,
        maxSessionsPerUser: 0,
        onSessionLimit: 'evict-oldest',
        binding: { userAgent: false, ip: false },
        trustProxyHops: 0,
        csrf: 'origin',
        graphql: true,
      },
    });
    expect(optionsFor({})).toMatchObject({
      idleTimeoutSeconds: 1800,
      absoluteTimeoutSeconds: 86400,
      cookie: { name: 'sid', secure: false, sameSite: 'lax', path: '/' },
      cache: { enabled: true, invalidation: 'auto' },
      rotation: { everySeconds: 0, graceSeconds: 30 },
      maxSessionsPerUser: 0,
      onSessionLimit: 'evict-oldest',
      binding: { userAgent: false, ip: false, trustProxy: 0 },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(sampleConfigFromEnv({ PORT: '', SESSION_CACHE: '', SESSION_MAX_PER_USER: '' })).toEqual(sampleConfigFromEnv({}));
  });

  it.each([
    ['tracking', { enabled: true, invalidation: 'auto' }],
    ['events', { enabled: true, invalidation: 'events' }],
    ['off', { enabled: false }],
  ])('SESSION_CACHE=%s → cache %j', (value, cache) => {
    expect(optionsFor({ SESSION_CACHE: value }).cache).toEqual(cache);
  });

  it('maps rotation, the session limit, binding and proxy hops onto the library options', () => {
    const options = optionsFor({
      SESSION_ROTATION_SECONDS: '900',
      SESSION_ROTATION_GRACE_SECONDS: '20',
      SESSION_MAX_PER_USER: '3',
      SESSION_ON_LIMIT: 'refuse',
      SESSION_BINDING: ' ip , user-agent ',
      TRUST_PROXY_HOPS: '2',
      SESSION_IDLE_SECONDS: '600',
      SESSION_ABSOLUTE_SECONDS: '3600',
      COOKIE_SECURE: 'true',
    });
    expect(options).toMatchObject({
      rotation: { everySeconds: 900, graceSeconds: 20 },
      maxSessionsPerUser: 3,
      onSessionLimit: 'refuse',
      binding: { userAgent: true, ip: true, trustProxy: 2 },
      idleTimeoutSeconds: 600,
      absoluteTimeoutSeconds: 3600,
      cookie: { secure: true },
    });
    expect(optionsFor({ SESSION_BINDING: 'user-agent' }).binding).toEqual({ userAgent: true, ip: false, trustProxy: 0 });
  });

  // Clamping would hide the mistake: the library's SessionOptionsError names both options at boot instead.
  it('passes a rotation period at or below its grace through unchanged, for the library to refuse', () => {
    expect(optionsFor({ SESSION_ROTATION_SECONDS: '10' }).rotation).toEqual({ everySeconds: 10, graceSeconds: 30 });
  });

  it('picks Redis from the environment: Sentinel, then Cluster, then REDIS_URL', () => {
    expect(sampleConfigFromEnv({ REDIS_URL: 'redis://r:6379' }).redis).toEqual({ connection: 'redis://r:6379' });
    expect(sampleConfigFromEnv({ REDIS_CLUSTER_NODES: 'a:7000,[::1]:7001', REDIS_URL: 'redis://r' }).redis?.connection)
      .toEqual({ cluster: { nodes: [{ host: 'a', port: 7000 }, { host: '::1', port: 7001 }] } });
    expect(sampleConfigFromEnv({ REDIS_SENTINELS: 's1:26379', REDIS_CLUSTER_NODES: 'a:7000' }).redis?.connection)
      .toEqual({ sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster' });
  });

  // The last column is the part of the value the message quotes (a list names only its bad entry).
  it.each([
    ['SESSION_CACHE', 'lru', 'lru'],
    ['SESSION_CACHE', 'OFF', 'OFF'],
    ['SESSION_ROTATION_SECONDS', '-1', '-1'],
    ['SESSION_ROTATION_SECONDS', '1.5', '1.5'],
    ['SESSION_ROTATION_GRACE_SECONDS', 'thirty', 'thirty'],
    ['SESSION_MAX_PER_USER', 'unlimited', 'unlimited'],
    ['SESSION_ON_LIMIT', 'evict-newest', 'evict-newest'],
    ['SESSION_BINDING', 'user-agent,cookie', 'cookie'],
    ['SESSION_BINDING', 'useragent', 'useragent'],
    ['TRUST_PROXY_HOPS', 'true', 'true'],
    ['TRUST_PROXY_HOPS', '1000', '1000'],
    ['SESSION_IDLE_SECONDS', '0', '0'],
    ['SESSION_ABSOLUTE_SECONDS', '1e3', '1e3'],
    ['PORT', '70000', '70000'],
    ['HTTP_ADAPTER', 'koa', 'koa'],
    ['COOKIE_SECURE', 'yes', 'yes'],
    ['REDIS_SENTINELS', 'sentinel-without-port', 'sentinel-without-port'],
    ['REDIS_CLUSTER_NODES', 'a:7000,b', 'b'],
  ])('stops boot on %s=%s with an error naming the variable and the bad value', (name, value, quoted) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name} `));
    expect(problems[0]).toContain(JSON.stringify(quoted));
  });

  it('GRAPHQL=false leaves the GraphQL server and its resolver out of the app', () => {
    const config = { redis: 'redis://127.0.0.1:1', ...sampleConfigFromEnv({ GRAPHQL: 'false' }).settings };
    expect(config.graphql).toBe(false);
    const without = AppModule.register(config, 'fastify');
    const withIt = AppModule.register({ ...config, graphql: true }, 'fastify');
    expect(withIt.imports).toHaveLength(without.imports.length + 1);
    expect(withIt.providers).toContain(SessionGraphQLResolver);
    expect(without.providers).not.toContain(SessionGraphQLResolver);
    expect(problemsOf({ GRAPHQL: 'no' })).toEqual([expect.stringContaining('GRAPHQL')]);
  });

  it('lists every bad variable at once, in one error', () => {
    let error: unknown;
    try {
      sampleConfigFromEnv({ SESSION_CACHE: 'lru', SESSION_MAX_PER_USER: '-2', SESSION_ON_LIMIT: 'drop' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SampleConfigError);
    const message = (error as Error).message;
    for (const name of ['SESSION_CACHE', 'SESSION_MAX_PER_USER', 'SESSION_ON_LIMIT']) expect(message).toContain(name);
    expect((error as SampleConfigError).problems).toHaveLength(3);
  });
});
