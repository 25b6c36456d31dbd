import type { Cluster, Redis } from 'ioredis';
import type { TouchReply } from './session.scripts';

interface Pending {
  session: string;
  index: string;
  field: string;
  presented: string;
  slide: '0' | '1';
  resolve(reply: TouchReply): void;
  reject(err: unknown): void;
}

/** Most sessions in one script call: keeps each call short (Redis runs a script to completion). */
const MAX_BATCH = 64;

/**
 * The one sender of touch.lua. With `batch`, the touches of one event-loop turn go as one script call: under load,
 * one socket write, command and reply parse instead of N (profiled: that per-command cost dominated the request); a
 * lone request waits one setImmediate. Not on Cluster, where the sessions of a batch live in different slots.
 * @internal
 */
export class TouchBatcher {
  /** Non-empty exactly while a flush is scheduled. */
  private queue: Pending[] = [];

  constructor(private readonly redis: Redis | Cluster, private readonly batch: boolean) {}

  touch(session: string, index: string, field: string, presented: string, slide: boolean): Promise<TouchReply> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { session, index, field, presented, slide: slide ? '1' : '0', resolve, reject };
      if (!this.batch) this.send([pending]);
      else if (this.queue.push(pending) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    while (this.queue.length > 0) this.send(this.queue.splice(0, MAX_BATCH));
  }

  private send(batch: Pending[]): void {
    const keys: string[] = [];
    const args: string[] = [];
    for (const p of batch) {
      keys.push(p.session, p.index);
      args.push(p.field, p.presented, p.slide);
    }
    this.redis.sessionTouch(keys.length, ...keys, ...args).then(
      (replies) => batch.forEach((p, i) => p.resolve(replies[i] || null)),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  }
}
