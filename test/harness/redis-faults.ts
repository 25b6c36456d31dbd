import type { Redis } from 'ioredis';

/**
 * Freezes a private redis-server with SIGSTOP: the port stays open and the kernel still accepts bytes, but nothing
 * is answered, like a hung or overloaded server. Returns a function that resumes it (SIGCONT).
 * The pid is read from the server itself (INFO server), so only the server the test started is ever signalled.
 */
export async function freezeRedis(admin: Redis): Promise<() => void> {
  const info = await admin.info('server');
  const m = /^process_id:(\d+)/m.exec(info);
  if (!m) throw new Error('INFO server did not report process_id');
  const pid = Number(m[1]);
  process.kill(pid, 'SIGSTOP');
  let resumed = false;
  return () => {
    if (resumed) return;
    resumed = true;
    process.kill(pid, 'SIGCONT');
  };
}
