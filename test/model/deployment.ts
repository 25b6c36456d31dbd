import type { TestRedis } from '../harness/redis';
import { uniquePrefix } from '../harness/redis';
import { ClaimRecorder } from './claim-recorder';
import { InstanceName, ModelInstance, startModelInstance } from './model-app';
import { Combo, LimitPolicy, sessionOptionsFor } from './model-options';
import { SubscriberKiller } from './subscriber-outages';

/**
 * What one run tests: instances A and B of the app on one Redis, sharing a key prefix no other run uses, each
 * claiming every session-end event it sees. Closing it closes everything it opened (not the Redis, which the
 * combination owns).
 */
export class Deployment {
  readonly claims = new ClaimRecorder();
  readonly killer: SubscriberKiller;

  private constructor(
    readonly redis: TestRedis,
    readonly prefix: string,
    readonly instances: Record<InstanceName, ModelInstance>,
  ) {
    this.killer = new SubscriberKiller(redis.client);
  }

  static async start(redis: TestRedis, combo: Combo, policy: LimitPolicy): Promise<Deployment> {
    const prefix = uniquePrefix('model');
    const started = await Promise.allSettled(
      (['A', 'B'] as const).map((name) => startModelInstance(name, sessionOptionsFor(combo, redis.url, prefix, name, policy))),
    );
    const up = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(up.map((i) => i.close()));
      throw failed.reason;
    }
    const [a, b] = up;
    const deployment = new Deployment(redis, prefix, { A: a, B: b });
    deployment.claims.attach('A', a.events);
    deployment.claims.attach('B', b.events);
    await deployment.killer.noteBaseline();
    return deployment;
  }

  url(on: InstanceName): string {
    return this.instances[on].url;
  }

  async close(): Promise<void> {
    await this.killer.settled();
    this.claims.detach();
    await Promise.all([this.instances.A.close(), this.instances.B.close()]);
  }
}
