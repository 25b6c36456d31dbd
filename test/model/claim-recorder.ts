import type { Subscription } from 'rxjs';
import type { SessionEvent, SessionEvents } from 'nestjs-redis-session';
import type { InstanceName } from './model-app';

/** A session-end event as one instance saw it, and whether that instance won `claim()` for it. */
export interface EndEventRecord {
  instance: InstanceName;
  type: 'invalidated' | 'expired' | 'evicted';
  id: string;
  /** Invalidation reason or expiry cause. */
  detail: string;
  won?: boolean;
}

/** Token moves: the session lives on, so these are not ends (and they are never claimed here). */
const NOT_AN_END = new Set(['rotated', 'regenerated']);

/**
 * Does what an app does for side effects that must run once per deployment: on every instance, every session-end
 * event is passed to `SessionEvents.claim()`; the records say who saw what and who won.
 */
export class ClaimRecorder {
  readonly records: EndEventRecord[] = [];
  private pending = 0;
  private readonly subscriptions: Subscription[] = [];

  attach(instance: InstanceName, events: SessionEvents): void {
    this.subscriptions.push(events.events$.subscribe((e) => this.onEvent(instance, events, e)));
  }

  /** Whether every claim() started so far has answered. */
  get settled(): boolean {
    return this.pending === 0;
  }

  wins(): EndEventRecord[] {
    return this.records.filter((r) => r.won);
  }

  detach(): void {
    for (const s of this.subscriptions.splice(0)) s.unsubscribe();
  }

  private onEvent(instance: InstanceName, events: SessionEvents, e: SessionEvent): void {
    if (e.type !== 'invalidated' && e.type !== 'expired' && e.type !== 'evicted') return;
    if (e.type === 'invalidated' && NOT_AN_END.has(e.reason)) return;
    const detail = e.type === 'invalidated' ? e.reason : e.type === 'expired' ? e.cause : '';
    const record: EndEventRecord = { instance, type: e.type, id: e.id, detail };
    this.records.push(record);
    this.pending++;
    events.claim(e).then(
      (won) => (record.won = won),
      () => (record.won = false),
    ).finally(() => this.pending--);
  }
}
