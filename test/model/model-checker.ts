import { ExecutedOp, momentsOf, OpMoment } from './executed-op';
import { applyOp } from './model-transitions';
import { TIMING } from './model-options';
import { AnyOp, describeOp } from './operations';
import { currentToken, deadline, emptyWorld, mergeEnds, ModelConfig, World, worldKey } from './reference-model';
import { InvariantViolationError, Violation } from './violation';

/**
 * Beyond this many candidate worlds the oldest are dropped: a run that needs more would take minutes per step. Worlds
 * that differ only in how a session ended are merged (mergeEnds), which keeps runs far below it.
 */
const MAX_WORLDS = 256;
const TRACE_LINES = Number(process.env.TRACE_LINES ?? 40);

interface Failure {
  violation: Violation;
  applied: number;
  /** The serial order tried, as operation labels. */
  order: string;
  ex: ExecutedOp;
}

/**
 * Holds every version of the model that is still consistent with what the deployment answered (the candidate
 * worlds), and checks each step against them. A concurrent group is accepted when SOME serial order of its
 * operations explains every answer; each order that does yields worlds to continue from. A step that leaves no
 * world fails the run with the violation of the order that got furthest.
 */
export class ModelChecker {
  private worlds: World[] = [emptyWorld()];
  private readonly traceLines: string[] = [];
  private readonly tokenNames = new Map<string, string>();
  private waitBudgetMs: number;

  constructor(readonly cfg: ModelConfig, waitBudgetMs: number) {
    this.waitBudgetMs = waitBudgetMs;
  }

  /** The candidate worlds (the first is used to pick probe targets and wait deadlines). */
  get candidates(): readonly World[] {
    return this.worlds;
  }

  check(executed: ExecutedOp[]): void {
    executed.forEach((ex, i) => this.note(ex, executed.length > 1 ? `${ex.step}.${i}` : `${ex.step}`));
    const moments = executed.flatMap(momentsOf);
    const next = new Map<string, World>();
    let best: Failure | undefined;
    for (const world of this.worlds) {
      for (const order of serialOrders(moments)) {
        let current = [world];
        for (const [applied, i] of order.entries()) {
          const after: World[] = [];
          for (const w of current) {
            const result = applyOp(w, this.cfg, moments[i]);
            if (!(result instanceof Violation)) after.push(...result);
            else if (!best || applied > best.applied) best = { violation: result, applied, order: orderText(moments, order), ex: moments[i].ex };
          }
          current = after;
          if (current.length === 0) break;
        }
        for (const w of current) {
          const key = worldKey(w);
          const same = next.get(key);
          next.set(key, same ? mergeEnds(same, w) : w);
        }
      }
    }
    if (next.size === 0) throw this.failure(best!, executed.length);
    this.worlds = [...next.values()].slice(-MAX_WORLDS);
  }

  /** Fails the run from an end-of-run check. */
  fail(violation: Violation, where: string): never {
    throw new InvariantViolationError(violation.invariant, where, violation.message, this.trace());
  }

  /** When a wait step ends: a deadline of the browser's session, capped by what is left of the run's wait budget. */
  waitUntil(op: Extract<AnyOp, { kind: 'wait' }>, cookie: string | undefined): number | undefined {
    const now = Date.now();
    const w = this.worlds[0];
    const tok = cookie === undefined ? undefined : w.tokens[cookie];
    const s = tok ? w.sessions[tok.session] : undefined;
    let target: number | undefined;
    if (op.until === 'cache-refresh') target = now + TIMING.cacheRefreshMs + 50;
    else if (s && !s.ended && op.until === 'rotation-due') target = s.issued.hi + TIMING.rotationEveryMs + 2 * TIMING.slackMs;
    else if (s && !s.ended && op.until === 'expiry-edge') target = deadline(s).lo;
    else if (s && !s.ended) target = deadline(s).hi + 2 * TIMING.slackMs;
    if (target === undefined || target <= now) return undefined;
    const until = Math.min(target, now + this.waitBudgetMs);
    this.waitBudgetMs -= until - now;
    return until;
  }

  /** Tokens worth probing at the end: every token any world knows, the certainly dead ones first. */
  tokensToProbe(): { dead: string[]; live: string[] } {
    const w = this.worlds[0];
    const all = new Set(this.worlds.flatMap((x) => Object.keys(x.tokens)));
    const live = w.sessions.filter((s) => !s.ended).flatMap((s) => currentToken(w, s.n) ?? []);
    return { dead: [...all].filter((t) => !live.includes(t)), live };
  }

  tokenName(token: string | undefined): string {
    if (token === undefined) return '-';
    let name = this.tokenNames.get(token);
    if (!name) this.tokenNames.set(token, (name = `t${this.tokenNames.size + 1}`));
    return name;
  }

  trace(lines = TRACE_LINES): string {
    return this.traceLines.slice(-lines).map((l) => `    ${l}`).join('\n');
  }

  private note(ex: ExecutedOp, label: string): void {
    const parts = [`#${label} ${describeOp(ex.op)}`];
    if (ex.value) parts.push(`=${ex.value}`);
    for (const o of [ex.list, ex.obs]) {
      if (!o) continue;
      const sets = o.setTokens.map((t) => this.tokenName(t)).join(',');
      const body = o.body === undefined || o.status === 401 ? '' : ` ${JSON.stringify(o.body).slice(0, 160)}`;
      parts.push(`[${this.tokenName(o.sentToken)}] -> ${o.status}${sets ? ` set ${sets}` : ''}${o.cleared ? ' cleared' : ''}${body} (${o.t0 % 100000}..${o.t1 % 100000})`);
    }
    if (ex.target) parts.push(`target ${ex.target.id}`);
    if (ex.sweep) parts.push(`removed ${ex.sweep.entriesRemoved}`);
    this.traceLines.push(parts.join(' '));
  }

  private failure(f: Failure, groupSize: number): InvariantViolationError {
    const op = f.ex.op;
    const on = 'on' in op ? ` on instance ${op.on}` : '';
    const where = `step ${f.ex.step}: ${describeOp(op)}${on}`;
    const detail = groupSize > 1
      ? `${f.violation.message}\n  (no serial order of the ${groupSize} concurrent operations explains the answers; shown: ${f.order}, the order that got furthest)`
      : f.violation.message;
    return new InvariantViolationError(f.violation.invariant, where, detail, this.trace());
  }
}

const orderText = (moments: OpMoment[], order: number[]) =>
  order.map((i) => `${describeOp(moments[i].ex.op)}${moments[i].part === 'whole' ? '' : ` (${moments[i].part})`}`).join(' -> ');

/** Every order of the moments in which each operation's own moments keep their order. */
function serialOrders(moments: OpMoment[]): number[][] {
  return permutations(moments.length).filter((order) =>
    order.every((i, k) => order.slice(k + 1).every((j) => moments[j].ex !== moments[i].ex || j > i)),
  );
}

function permutations(n: number): number[][] {
  if (n <= 1) return [[0].slice(0, n)];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}
