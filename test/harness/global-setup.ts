import { assertRedisServerInstalled } from '../../tools/redis-server.process';

/**
 * Runs once before any suite. Tests need real Redis: without redis-server on PATH and without REDIS_URL the run
 * fails here, with the fix in the message, rather than skipping anything.
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  assertRedisServerInstalled();
}
