import { keysUnder } from '../harness/redis';
import { keysOfToken } from '../harness/redis-inspect';
import { waitFor } from '../harness/wait';
import { checkClaims, endsToWaitFor } from './claims-check';
import type { Deployment } from './deployment';
import type { ModelChecker } from './model-checker';
import { TIMING } from './model-options';
import type { OpRunner } from './op-runner';
import type { AuditOp } from './operations';
import { currentToken, sessionsOfUser, World } from './reference-model';
import { Violation } from './violation';

/**
 * End-of-run checks to leave out while exploring (MODEL_IGNORE=events,index,lostWrite): a library that fails one
 * of them in every run would otherwise hide whatever else is wrong. Never set by default.
 */
const IGNORED = new Set((process.env.MODEL_IGNORE ?? '').split(',').filter(Boolean));

/**
 * What a run ends with, once every step is done:
 * - every token the run saw is sent again through both instances (ended sessions and replaced tokens must answer
 *   401; live ones must not), which also settles what the model was unsure of;
 * - each user's device list equals the model's live sessions (invariant 3);
 * - no session key of an ended session is left in Redis, and every key under the prefix has a TTL (1, 3);
 * - every session end was claimed exactly once (4).
 */
export async function auditEndOfRun(checker: ModelChecker, runner: OpRunner, deployment: Deployment, firstStep: number): Promise<void> {
  let step = firstStep;
  const send = async (op: AuditOp) => checker.check([await runner.run(op, step++, '')]);
  await deployment.killer.settled();

  const { dead, live } = checker.tokensToProbe();
  for (const token of [...dead, ...live]) {
    for (const on of ['A', 'B'] as const) {
      // A probe of a live token may rotate it: probe whatever token the session answers to now.
      const target = live.includes(token) ? latestToken(checker.candidates[0], token) : token;
      await send({ kind: 'probe', token: target, userAgent: userAgentOf(checker.candidates[0], target), on });
    }
  }

  const users = [...new Set(checker.candidates[0].sessions.map((s) => s.userId))];
  for (const user of users) {
    const w = checker.candidates[0];
    const holder = sessionsOfUser(w, user).find((s) => !s.ended && currentToken(w, s.n));
    if (holder) {
      await send({ kind: 'audit-list', token: currentToken(w, holder.n)!, userAgent: holder.userAgent, on: 'B' });
      continue;
    }
    await send({ kind: 'audit-login', user, on: 'A' });
    const after = checker.candidates[0];
    const auditor = sessionsOfUser(after, user).find((s) => !s.ended && currentToken(after, s.n));
    if (auditor) await send({ kind: 'audit-list', token: currentToken(after, auditor.n)!, userAgent: auditor.userAgent, on: 'B' });
  }

  if (!IGNORED.has('lostWrite')) await checkEndedKeysAreGone(checker, deployment);
  if (!IGNORED.has('index')) await checkEveryKeyHasTtl(checker, deployment);
  if (IGNORED.has('events')) return;

  // Ends are reported asynchronously (Pub/Sub, keyspace notifications): wait for them, boundedly.
  const pending = () => endsToWaitFor(checker.candidates[0], deployment);
  await waitFor(async () => pending(), (p) => p.unclaimed.length === 0 && deployment.claims.settled, {
    timeoutMs: 3000, what: 'a claimed event for every session end',
  }).catch(() => undefined);
  // A second claim would come from the other instance's copy of the event: wait until both saw it (or give up).
  await waitFor(async () => pending(), (p) => p.unseen.length === 0 && deployment.claims.settled, {
    timeoutMs: 500, what: 'both instances to see every session end',
  }).catch(() => undefined);

  let first: Violation | undefined;
  for (const w of checker.candidates) {
    const v = checkClaims(w, deployment);
    if (!v) return;
    first ??= v;
  }
  checker.fail(first!, 'end of run: session-end events and their claims');
}

/** The session's token now: `token` itself, or what a rotation since replaced it with. */
function latestToken(w: World, token: string): string {
  const tok = w.tokens[token];
  if (!tok || tok.dead || !tok.replacedAt) return token;
  return currentToken(w, tok.session) ?? token;
}

function userAgentOf(w: World, token: string): string {
  const tok = w.tokens[token];
  return tok ? w.sessions[tok.session].userAgent : 'model-browser/unknown';
}

/** Invariant 1: a session that ended keeps no key (a late write never brought it back). */
async function checkEndedKeysAreGone(checker: ModelChecker, deployment: Deployment): Promise<void> {
  const now = Date.now();
  const endedEverywhere = (token: string) => checker.candidates.every((w) => {
    const tok = w.tokens[token];
    return tok !== undefined && w.sessions[tok.session].ended !== undefined;
  });
  const w = checker.candidates[0];
  for (const token of Object.keys(w.tokens)) {
    const tok = w.tokens[token];
    // A token replaced moments ago may still be a forwarding entry until its grace is over.
    if (!endedEverywhere(token) || (tok.replacedAt && now < tok.replacedAt.hi + TIMING.rotationGraceMs + TIMING.slackMs)) continue;
    const key = keysOfToken(deployment.prefix, token).session;
    if ((await deployment.redis.client.exists(key)) === 1) {
      const s = w.sessions[tok.session];
      const fields = await deployment.redis.client.hgetall(key);
      checker.fail(
        new Violation('lostWrite', `session key ${key} of ended S${s.n} (${s.ended!.causes.join(' or ')} at step ${s.ended!.step}) still exists: ${JSON.stringify(fields)}`),
        'end of run: keys of ended sessions',
      );
    }
  }
}

/** Invariant 3: nothing under the prefix lives forever. */
async function checkEveryKeyHasTtl(checker: ModelChecker, deployment: Deployment): Promise<void> {
  for (const key of await keysUnder(deployment.redis.client, deployment.prefix)) {
    if ((await deployment.redis.client.pttl(key)) === -1) {
      checker.fail(new Violation('index', `key ${key} has no TTL`), 'end of run: TTL of every key');
    }
  }
}
