import type { ExecutedOp } from './executed-op';
import { guarded } from './model-guarded';
import {
  describeSession, endSession, ModelConfig, ModelSession, noteId, sessionAlive, sessionsOfUser, World,
} from './reference-model';
import { Violation } from './violation';

interface ListEntry {
  id: string;
  createdAt: number;
}

/**
 * Finds the session a device-list entry stands for: by public id, else by creation time (which survives a change of
 * id, so the checker can tell "same session, new id" from "unknown session").
 */
function sessionOfEntry(w: World, userId: string, e: ListEntry, taken: Set<number> = new Set()): ModelSession | undefined {
  const mine = sessionsOfUser(w, userId).filter((s) => !taken.has(s.n));
  return mine.find((s) => s.ids.includes(e.id)) ?? mine.find((s) => s.createdAt === e.createdAt);
}

/**
 * GET /sessions must list exactly the user's live sessions. Listed: alive at that moment. Missing: ended (when the
 * model was unsure whether it had expired, it now knows).
 */
export function checkListing(w: World, n: number, ex: ExecutedOp, obs: NonNullable<ExecutedOp['obs']>): Violation | void {
  const userId = w.sessions[n].userId;
  if (!Array.isArray(obs.body)) return new Violation('conformance', `GET /sessions answered ${JSON.stringify(obs.body)}`);
  const listed = new Set<number>();
  for (const e of obs.body as ListEntry[]) {
    const s = sessionOfEntry(w, userId, e, listed);
    if (!s) return new Violation('index', `${userId}'s device list has an entry the model does not know: ${JSON.stringify(e)}`);
    if (s.ended) return new Violation('index', `${userId}'s device list still shows ${describeSession(s)}`);
    if (sessionAlive(s, obs.t0, obs.t1) === 'no') return new Violation('index', `${userId}'s device list shows ${describeSession(s)} past its deadline`);
    listed.add(s.n);
    noteId(w, s.n, e.id, ex.step, false);
  }
  for (const s of sessionsOfUser(w, userId)) {
    if (s.ended || listed.has(s.n)) continue;
    // The listing reads the index, then each session: one moved to a new token in between is missed (harmless).
    if (s.issuedStep === ex.step) continue;
    if (sessionAlive(s, obs.t0, obs.t1) === 'yes') {
      return new Violation('index', `${userId}'s device list misses live ${describeSession(s)}: ${JSON.stringify(obs.body)}`);
    }
    endSession(w, s.n, 'expired', obs.t0, obs.t1, ex.step);
  }
}

export function applyList(w: World, cfg: ModelConfig, ex: ExecutedOp): World[] | Violation {
  return guarded(w, cfg, ex, ({ world, session }) => checkListing(world, session!, ex, ex.obs!));
}

/** Revoke, first moment: the device list it picks its target from, checked like any listing. */
export function applyRevokeList(w: World, cfg: ModelConfig, ex: ExecutedOp): World[] | Violation {
  const listEx: ExecutedOp = { ...ex, op: { ...ex.op, kind: 'list' } as ExecutedOp['op'], obs: ex.list };
  return guarded(w, cfg, listEx, ({ world, session }) => checkListing(world, session!, ex, ex.list!));
}

/** Revoke, second moment: DELETE /sessions/:id answers 204 and ends the target, or 404 when it had already ended. */
export function applyRevokeDelete(w: World, cfg: ModelConfig, ex: ExecutedOp): World[] | Violation {
  const del = ex.obs!;
  if (del.status !== 401 && del.status !== 204 && del.status !== 404) {
    return new Violation('conformance', `DELETE /sessions/:id answered ${del.status}: ${JSON.stringify(del.body)}`);
  }
  return guarded(w, cfg, ex, ({ world, session }) => revokeTarget(world, session!, ex));
}

function revokeTarget(w: World, n: number, ex: ExecutedOp): Violation | void {
  const del = ex.obs!;
  const caller = w.sessions[n];
  // The listing noted the target's id; creation time is the fallback. The browser may have logged in as another
  // user between its listing and its delete: then the target is that other user's, and "not found" is right.
  const target = w.sessions.find((s) => s.ids.includes(ex.target!.id)) ?? sessionOfEntry(w, caller.userId, ex.target!);
  if (!target) return new Violation('index', `revoke target ${JSON.stringify(ex.target)} is no session the model knows`);
  if (target.userId !== caller.userId) {
    if (del.status === 204) return new Violation('resurrection', `${caller.userId} revoked ${describeSession(target)} of another user`);
    return;
  }
  noteId(w, target.n, ex.target!.id, ex.step, false);
  const alive = sessionAlive(target, del.t0, del.t1);
  if (del.status === 204) {
    if (alive === 'no') return new Violation('resurrection', `revoke found and ended ${describeSession(target)}, which had already ended`);
    endSession(w, target.n, 'revoked', del.t0, del.t1, ex.step);
    return;
  }
  if (alive === 'yes') return new Violation('conformance', `revoke of live ${describeSession(target)} answered 404`);
  endSession(w, target.n, 'expired', del.t0, del.t1, ex.step);
}
