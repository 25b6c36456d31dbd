import type { ExecutedOp } from './executed-op';
import { ModelChecker } from './model-checker';
import type { AnyOp } from './operations';
import { emptyWorld, mergeEnds, ModelConfig, ModelSession, World, worldKey } from './reference-model';

/**
 * The reference model's own rules, on answers written out by hand: a checker that wrongly refuses what the library
 * may do hides real failures behind false ones. Each case is an interleaving a run once produced.
 */
const cfg: ModelConfig = { cache: 'tracking', rotation: true, binding: false, limit: 2, policy: 'evict-oldest' };

function answered(step: number, op: AnyOp, t0: number, status: number, sent: string | undefined, set: string[], body?: unknown): ExecutedOp {
  return {
    op, step, userAgent: 'model-browser/3',
    obs: { status, body, sentToken: sent, setTokens: set, cleared: false, t0, t1: t0 + 20 },
  };
}

describe('reference model', () => {
  it('a rotation token that a concurrent regenerate killed at once replaces nothing: the regenerate\'s token stays current', () => {
    const checker = new ModelChecker(cfg, 0);
    const s7 = { id: 'id-s7', userId: 'u0', createdAt: 1000, data: {} };
    checker.check([answered(0, { kind: 'login', browser: 3, user: 0, remember: true, on: 'B' }, 1000, 200, undefined, ['tX'], s7)]);
    // Rotation due. A's guard rotates tX to tR for a login as u1; B's regenerate (tX still in its grace) replaces
    // tR with tZ at once; the login's create then finds tX opens nothing and leaves S7 alone. Both answer 200.
    checker.check([
      answered(1, { kind: 'regenerate', browser: 3, on: 'B' }, 3100, 200, 'tX', ['tZ'], s7),
      answered(1, { kind: 'login', browser: 3, user: 1, remember: false, on: 'A' }, 3100, 200, 'tX', ['tR', 'tN'],
        { id: 'id-s8', userId: 'u1', createdAt: 3110, data: {} }),
    ]);
    // Well past tR's would-be grace, S7 still answers to tZ (before: the model took tR as replacing tZ).
    const probe = (token: string): AnyOp => ({ kind: 'probe', token, userAgent: 'model-browser/3', on: 'A' });
    expect(() => checker.check([answered(2, probe('tZ'), 4500, 200, 'tZ', [], s7)])).not.toThrow();
    expect(() => checker.check([answered(3, probe('tR'), 4600, 200, 'tR', [], s7)])).toThrow(/accepted after it was replaced/);
  });

  it('worlds that differ only in how a session ended are one, which accepts either cause', () => {
    const endedBy = (cause: 'login' | 'expired', at: { lo: number; hi: number }): World => {
      const w = emptyWorld();
      const s: ModelSession = {
        n: 0, userId: 'u0', userAgent: 'model-browser/2', remembered: false, current: 't2', issued: { lo: 0, hi: 20 },
        issuedStep: 0, ids: ['id-s0'], absolute: { lo: 9000, hi: 9020 }, idle: { lo: 3000, hi: 3020 }, fields: {},
        ended: { causes: [cause], at, step: 2 },
      };
      w.sessions.push(s);
      w.tokens = {
        t1: { session: 0, dead: true, diedAt: 2, replacedAt: { lo: 2990, hi: 3010 } },
        t2: { session: 0, dead: true, diedAt: 2 },
      };
      return w;
    };
    const byLogin = endedBy('login', { lo: 2995, hi: 3010 });
    const byExpiry = endedBy('expired', { lo: 2980, hi: 3005 });
    byExpiry.sessions[0].idle = { lo: 2980, hi: 3000 };
    delete byExpiry.tokens.t1.replacedAt;
    expect(worldKey(byLogin)).toBe(worldKey(byExpiry));
    expect(mergeEnds(byLogin, byExpiry).sessions[0].ended)
      .toEqual({ causes: ['login', 'expired'], at: { lo: 2980, hi: 3010 }, step: 2 });
    // Ended at another step, or still alive: another world.
    const withEnd = (ended: ModelSession['ended']): World =>
      ({ ...byExpiry, sessions: [{ ...byExpiry.sessions[0], ended }] });
    expect(worldKey(withEnd({ ...byExpiry.sessions[0].ended!, step: 3 }))).not.toBe(worldKey(byLogin));
    expect(worldKey(withEnd(undefined))).not.toBe(worldKey(byLogin));
  });
});
