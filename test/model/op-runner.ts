import { Browser } from './browser';
import type { Deployment } from './deployment';
import type { ExecutedOp } from './executed-op';
import { AnyOp, USERS } from './operations';

export const THIEF_USER_AGENT = 'model-thief/1';
export const AUDITOR_USER_AGENT = 'model-auditor/1';

/**
 * Sends one operation over HTTP (or to Redis, for kills) and records what came back. Knows nothing of the model:
 * `waitUntil` says how long a wait step lasts.
 */
export class OpRunner {
  readonly browsers: Browser[];
  private readonly auditors = new Map<string, Browser>();

  constructor(
    private readonly deployment: Deployment,
    browserCount: number,
    private readonly waitUntil: (op: Extract<AnyOp, { kind: 'wait' }>, cookie: string | undefined) => number | undefined,
  ) {
    this.browsers = Array.from({ length: browserCount }, (_, i) => new Browser(i));
  }

  async run(generated: AnyOp, step: number, valueTag: string): Promise<ExecutedOp> {
    const op = this.loggedOutLogsIn(generated);
    const ex: ExecutedOp = { op, step };
    switch (op.kind) {
      case 'wait': {
        const until = this.waitUntil(op, this.browsers[op.browser].cookie);
        // The one place the checker lets time pass on purpose: expiry and rotation are what it is waiting for.
        if (until !== undefined && until > Date.now()) await new Promise((r) => setTimeout(r, until - Date.now()));
        return ex;
      }
      case 'kill-subscribers':
        await this.deployment.killer.kill(op.pick);
        return ex;
      case 'sweep':
        ex.sweep = await this.deployment.instances[op.on].sweeper.sweep();
        return ex;
      case 'probe':
      case 'audit-list': {
        const path = op.kind === 'probe' ? '/me' : '/sessions';
        ex.userAgent = op.userAgent;
        ex.obs = await new Browser(-1, op.userAgent).request(this.url(op), 'GET', path, { token: op.token, updateJar: false });
        return ex;
      }
      case 'audit-login': {
        const auditor = this.auditor(op.user);
        ex.userAgent = auditor.userAgent;
        ex.obs = await auditor.request(this.url(op), 'POST', '/login', { body: { userId: op.user } });
        return ex;
      }
    }
    const b = this.browsers[op.browser];
    ex.userAgent = b.userAgent;
    const url = this.url(op);
    switch (op.kind) {
      case 'login':
        ex.obs = await b.request(url, 'POST', '/login', { body: { userId: USERS[op.user], remember: op.remember } });
        break;
      case 'read':
        ex.obs = await b.request(url, 'GET', '/me');
        break;
      case 'bearer':
        ex.obs = await b.request(url, 'GET', '/me', { bearer: true, updateJar: false });
        break;
      case 'write':
        ex.value = valueTag;
        ex.obs = await b.request(url, 'PUT', `/field/${op.field}`, { body: { value: valueTag } });
        break;
      case 'unset':
        ex.obs = await b.request(url, 'DELETE', `/field/${op.field}`);
        break;
      case 'logout':
      case 'logout-all':
      case 'logout-others':
      case 'regenerate':
        ex.obs = await b.request(url, 'POST', `/${op.kind}`);
        break;
      case 'list':
        ex.obs = await b.request(url, 'GET', '/sessions');
        break;
      case 'thief':
        ex.userAgent = THIEF_USER_AGENT;
        ex.obs = await b.request(url, 'GET', '/me', { userAgent: THIEF_USER_AGENT, updateJar: false });
        break;
      case 'replay':
        ex.obs = await b.request(url, 'GET', '/me', { token: replayToken(b, op.age), updateJar: false });
        break;
      case 'revoke':
        await this.revoke(b, url, op.pick, ex);
        break;
    }
    return ex;
  }

  /**
   * A browser with no cookie at all (never logged in, or logged out) logs in before doing anything else: without
   * it most generated operations would only ever meet 401. Dead cookies are still sent as they are.
   */
  private loggedOutLogsIn(op: AnyOp): AnyOp {
    if (!('browser' in op) || op.kind === 'login' || op.kind === 'wait') return op;
    const b = this.browsers[op.browser];
    if (b.cookie !== undefined || (op.kind === 'replay' && b.history.length > 0)) return op;
    return { kind: 'login', browser: op.browser, user: op.browser % USERS.length, remember: op.browser >= 2, on: op.on };
  }

  /** Lists the user's sessions, then revokes the `pick`-th of the others (the caller itself when it is alone). */
  private async revoke(b: Browser, url: string, pick: number, ex: ExecutedOp): Promise<void> {
    ex.list = await b.request(url, 'GET', '/sessions');
    if (ex.list.status !== 200 || !Array.isArray(ex.list.body) || ex.list.body.length === 0) {
      ex.obs = undefined;
      return;
    }
    const entries = ex.list.body as Array<{ id: string; createdAt: number; current: boolean }>;
    const others = entries.filter((e) => !e.current);
    const pool = others.length > 0 ? others : entries;
    const target = pool[pick % pool.length];
    ex.target = { id: target.id, createdAt: target.createdAt };
    ex.obs = await b.request(url, 'DELETE', `/sessions/${encodeURIComponent(target.id)}`);
  }

  private auditor(user: string): Browser {
    let b = this.auditors.get(user);
    if (!b) this.auditors.set(user, (b = new Browser(100 + this.auditors.size, AUDITOR_USER_AGENT)));
    return b;
  }

  private url(op: { on: 'A' | 'B' }): string {
    return this.deployment.url(op.on);
  }
}

/** A token the browser held before its current one, `age` back (the oldest when it has fewer). */
function replayToken(b: Browser, age: number): string | null {
  const old = b.history.filter((t) => t !== b.cookie);
  if (old.length === 0) return b.cookie ?? null;
  return old[Math.max(0, old.length - 1 - age)];
}

