import type { TestRedis } from '../harness/redis';
import { Deployment } from './deployment';
import { auditEndOfRun } from './end-of-run';
import { ModelChecker } from './model-checker';
import { Combo, comboName as describeCombo, MAX_SESSIONS_PER_USER } from './model-options';
import { OpRunner } from './op-runner';
import { BROWSERS, Scenario } from './operations';
import type { ModelConfig } from './reference-model';

/** Most real time one run may spend in wait steps, so that a run stays a few seconds long. */
export const WAIT_BUDGET_MS = 4500;

/**
 * One property run: a fresh deployment (two instances, a key prefix of its own), the scenario's steps in order
 * (a group's operations sent at once), each checked against the model as soon as its answers are in, then the
 * end-of-run audit. Throws InvariantViolationError on the first violation; always closes what it opened.
 */
export async function runScenario(redis: TestRedis, combo: Combo, scenario: Scenario): Promise<void> {
  const cfg: ModelConfig = {
    cache: combo.cache,
    rotation: combo.rotation,
    binding: combo.binding,
    limit: combo.limit ? MAX_SESSIONS_PER_USER : 0,
    policy: scenario.policy,
  };
  const deployment = await Deployment.start(redis, combo, scenario.policy);
  try {
    const checker = new ModelChecker(cfg, WAIT_BUDGET_MS);
    const runner = new OpRunner(deployment, BROWSERS, (op, cookie) => checker.waitUntil(op, cookie));
    for (const [i, step] of scenario.steps.entries()) {
      const executed = await Promise.all(step.map((op, j) => runner.run(op, i, `w${i}.${j}`)));
      checker.check(executed);
    }
    await auditEndOfRun(checker, runner, deployment, scenario.steps.length);
    if (process.env.MODEL_TRACE) console.log(`run passed (${describeCombo(combo)}):\n${checker.trace(Infinity)}`);
  } finally {
    await deployment.close();
  }
}
