import fc from 'fast-check';
import { startTestRedis } from '../harness/redis';
import { comboName, COMBOS, LimitPolicy, redisArgsFor } from './model-options';
import { Scenario, scenarioArbitrary, Step } from './operations';
import { runScenario } from './scenario-run';

/**
 * Features that each work alone can break where they meet: token rotation x writes x logout x local cache x events
 * x session limits. This drives random sequences and interleavings of operations through two app instances on one
 * private Redis and checks every answer against a reference model (see reference-model.ts for what it allows).
 *
 * Knobs (set by `npm run test:model -- --runs N --seed S --path P --combo TEXT --steps N`, see README.md):
 *   MODEL_RUNS runs per combination (default 3), MODEL_STEPS about the most steps per run (default 24),
 *   MODEL_SEED / MODEL_PATH replay what a failure printed (a path belongs to one combination: add MODEL_COMBO),
 *   MODEL_COMBO keeps the combinations whose name has it, MODEL_SHRINK_MS how long shrinking may take (20000).
 */
const RUNS = Number(process.env.MODEL_RUNS ?? 3);
const MAX_STEPS = Number(process.env.MODEL_STEPS ?? 24);
const SEED = process.env.MODEL_SEED ? Number(process.env.MODEL_SEED) : undefined;
const PATH = process.env.MODEL_PATH || undefined;
const SHRINK_MS = Number(process.env.MODEL_SHRINK_MS ?? 20_000);
const ONLY = process.env.MODEL_COMBO;

/** A run lasts a few seconds (its waits are capped), plus boot and the end-of-run audit. */
const RUN_BOUND_MS = 12_000;

const combos = COMBOS.filter((c) => !ONLY || comboName(c).includes(ONLY));

// Concurrent tests: the runs wait on real time (expiry, rotation), so the combinations share the wall clock.
describe('model-based concurrency checker: two instances on one Redis', () => {
  for (const combo of combos) {
    it.concurrent(comboName(combo), async () => {
      const redis = await startTestRedis(redisArgsFor(combo), { private: true });
      let failedAt: number | undefined;
      try {
        await fc.assert(
          fc.asyncProperty(scenarioArbitrary(combo, MAX_STEPS), async (scenario) => {
            // Shrinking re-runs smaller scenarios in real time: past its budget, stop trying smaller ones.
            if (failedAt !== undefined && Date.now() - failedAt > SHRINK_MS) return;
            try {
              await runScenario(redis, combo, scenario);
            } catch (err) {
              failedAt ??= Date.now();
              throw err;
            }
          }),
          { numRuns: RUNS, seed: SEED, path: PATH, endOnFailure: PATH !== undefined },
        );
      } finally {
        await redis.close();
      }
    }, RUNS * RUN_BOUND_MS + SHRINK_MS + RUN_BOUND_MS);
  }
});

type Replay = [what: string, combo: string, scenario: Scenario];

/** A replayed scenario: what it caught, its combination's name, its steps (every one so far under evict-oldest). */
function replay(what: string, combo: string, steps: Step[], policy: LimitPolicy = 'evict-oldest'): Replay {
  return [what, combo, { policy, steps }];
}

/**
 * Scenarios a run once failed on, replayed as they were shrunk (real time is not seeded: the interleaving they caught
 * comes back most of the time, not always).
 */
describe('model-based concurrency checker: replays', () => {
  const replays: Replay[] = [
    replay(
      // Each login ended the other user's session its cookie named before either create ran: both ends are 'login',
      // and no eviction happened. The model used to take a login as one moment and demand an eviction.
      'two concurrent logins, each with the other user\'s cookie, at the session limit',
      'cache=tracking rotation=on binding=off limit=on',
      [
        [{ kind: 'read', browser: 3, on: 'A' }],
        [{ kind: 'kill-subscribers', pick: 0 }, { kind: 'regenerate', browser: 0, on: 'B' }],
        [{ kind: 'read', browser: 3, on: 'A' }],
        [{ kind: 'read', browser: 1, on: 'A' }],
        [{ kind: 'revoke', browser: 2, pick: 0, on: 'A' }],
        [
          { kind: 'login', browser: 0, user: 1, remember: false, on: 'A' },
          { kind: 'revoke', browser: 0, pick: 0, on: 'A' },
          { kind: 'login', browser: 3, user: 0, remember: false, on: 'B' },
        ],
      ],
    ),
    replay(
      // Logins at the expiry edge of the session their cookie named, racing a logout-others: each such step doubled the
      // model's worlds (the session ended by 'login', or had expired), and past 256 the cap dropped the very worlds the
      // deployment took, so the end-of-run check found a 'login' event for a session every kept world said expired.
      // Worlds that differ only in how a session ended are now one (mergeEnds). Seed 1809371490, path 7:5.
      'logins at the expiry edge racing logout-others: the model keeps every way the session may have ended',
      'cache=tracking rotation=on binding=on limit=off',
      [
        [{ kind: 'login', browser: 2, user: 0, remember: false, on: 'B' }],
        [{ kind: 'wait', until: 'expiry-edge', browser: 2 }],
        [
          { kind: 'login', browser: 2, user: 0, remember: true, on: 'B' },
          { kind: 'logout-others', browser: 2, on: 'A' },
          { kind: 'login', browser: 2, user: 0, remember: true, on: 'A' },
        ],
        [{ kind: 'logout', browser: 2, on: 'B' }],
        [
          { kind: 'read', browser: 1, on: 'A' },
          { kind: 'login', browser: 1, user: 1, remember: true, on: 'A' },
          { kind: 'logout', browser: 1, on: 'B' },
        ],
        [
          { kind: 'logout-others', browser: 3, on: 'A' },
          { kind: 'replay', browser: 3, age: 0, on: 'A' },
          { kind: 'sweep', on: 'B' },
        ],
        [{ kind: 'login', browser: 1, user: 1, remember: true, on: 'A' }],
        [{ kind: 'wait', until: 'rotation-due', browser: 1 }],
        [
          { kind: 'read', browser: 1, on: 'B' },
          { kind: 'write', browser: 1, field: 'a', on: 'A' },
          { kind: 'login', browser: 1, user: 0, remember: false, on: 'A' },
        ],
        [{ kind: 'login', browser: 1, user: 0, remember: false, on: 'A' }],
        [{ kind: 'wait', until: 'cache-refresh', browser: 1 }],
        [
          { kind: 'login', browser: 1, user: 1, remember: false, on: 'A' },
          { kind: 'login', browser: 1, user: 0, remember: false, on: 'A' },
        ],
        [{ kind: 'write', browser: 3, field: 'a', on: 'B' }, { kind: 'write', browser: 3, field: 'b', on: 'B' }],
        [{ kind: 'read', browser: 1, on: 'A' }],
        [{ kind: 'kill-subscribers', pick: 4 }, { kind: 'regenerate', browser: 1, on: 'B' }],
        [{ kind: 'replay', browser: 1, age: 0, on: 'A' }],
        [
          { kind: 'kill-subscribers', pick: 'all' },
          { kind: 'write', browser: 0, field: 'b', on: 'B' },
          { kind: 'read', browser: 0, on: 'B' },
        ],
      ],
    ),
    replay(
      // An API client's token fell due for rotation: the guard rotated it and sent the new token in a cookie the client
      // never reads, so its session ended with the grace. Only the session cookie's token rotates now.
      'a bearer token due for rotation is not rotated',
      'cache=off rotation=on binding=off limit=off',
      [
        [{ kind: 'login', browser: 0, user: 0, remember: false, on: 'A' }],
        [{ kind: 'wait', until: 'rotation-due', browser: 0 }],
        [{ kind: 'bearer', browser: 0, on: 'A' }],
        [{ kind: 'bearer', browser: 0, on: 'B' }],
      ],
    ),
  ];
  it.each(replays)('%s (%s)', async (_what, name, scenario) => {
    const combo = COMBOS.find((c) => comboName(c) === name)!;
    const redis = await startTestRedis(redisArgsFor(combo), { private: true });
    try {
      await runScenario(redis, combo, scenario);
    } finally {
      await redis.close();
    }
  }, RUN_BOUND_MS * 2);
});
