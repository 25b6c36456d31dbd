import type { INestApplication } from '@nestjs/common';
import { join } from 'node:path';
import { adapterFromEnv, fail, redisUrlFromEnv, serve } from './app-host';

/** The parts of the root build's dist/sample-app this app calls (`npm run bench` builds the root first). */
interface SampleAppBuild {
  createSampleApp(config: object, adapter: string, logger: false): Promise<INestApplication>;
  sampleConfigFromEnv(env: NodeJS.ProcessEnv): { adapter: string; redis?: { connection: unknown }; settings: object };
}

/**
 * The sample app as shipped (sample-app/bootstrap.ts: its global pipes, body limits, CSRF in origin mode, events
 * and the cache as its env defaults them), on the runner's Redis and adapter: what it costs per request over
 * `ours-cached` is what a real app wires around the library. Loaded from the root's build rather than compiled here:
 * the sample app imports the library by package name, which resolves from the repo root (self-reference), not from
 * bench/. Env: PORT, ADAPTER, REDIS_URL, plus any of the sample app's own variables.
 */
async function main(): Promise<void> {
  const dist = join(__dirname, '..', '..', '..', '..', 'dist', 'sample-app');
  const sample = {
    ...(require(join(dist, 'bootstrap.js')) as Pick<SampleAppBuild, 'createSampleApp'>),
    ...(require(join(dist, 'config', 'sample-config.js')) as Pick<SampleAppBuild, 'sampleConfigFromEnv'>),
  };
  const config = sample.sampleConfigFromEnv({ ...process.env, HTTP_ADAPTER: adapterFromEnv(), REDIS_URL: redisUrlFromEnv() });
  const app = await sample.createSampleApp({ redis: config.redis!.connection, ...config.settings }, config.adapter, false);
  await serve(app);
}

main().catch(fail);
