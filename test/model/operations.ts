import fc from 'fast-check';
import type { InstanceName } from './model-app';
import type { Combo, LimitPolicy } from './model-options';

export const BROWSERS = 4;
export const USERS = ['u0', 'u1'] as const;
export const FIELDS = ['a', 'b'] as const;
export type Field = (typeof FIELDS)[number];

/** Operations that name only a browser and an instance. */
type PlainKind = 'read' | 'bearer' | 'logout' | 'logout-all' | 'logout-others' | 'regenerate' | 'list' | 'thief';

/** One operation of a run. `on` is the app instance the request goes to. */
export type Op =
  | { kind: 'login'; browser: number; user: number; remember: boolean; on: InstanceName }
  /** `bearer`: an API client reading with the browser's token in `Authorization: Bearer` (never rotated). */
  | { kind: PlainKind; browser: number; on: InstanceName }
  | { kind: 'write' | 'unset'; browser: number; field: Field; on: InstanceName }
  /** Lists the user's sessions, then revokes the `pick`-th other one (itself when it is alone). */
  | { kind: 'revoke'; browser: number; pick: number; on: InstanceName }
  /** A stale tab: the browser sends one of the tokens it held before (`age` back in its history). */
  | { kind: 'replay'; browser: number; age: number; on: InstanceName }
  | { kind: 'sweep'; on: InstanceName }
  /**
   * Subscriber connections drop and reconnect by themselves: all of them (CLIENT KILL TYPE pubsub), or just the
   * `pick`-th (by name, then age), which leaves one instance, or one of its feeds, deaf while the rest hear.
   */
  | { kind: 'kill-subscribers'; pick: number | 'all' }
  /**
   * Lets real time pass: until the browser's session is due for rotation, reaches the window where it may expire
   * any moment, is certainly expired, or until the caches have re-read Redis.
   */
  | { kind: 'wait'; until: WaitTarget; browser: number };

export type WaitTarget = 'rotation-due' | 'expiry-edge' | 'expired' | 'cache-refresh';

/** Requests the checker itself sends at the end of a run (never generated). */
export type AuditOp =
  | { kind: 'probe'; token: string; userAgent: string; on: InstanceName }
  | { kind: 'audit-list'; token: string; userAgent: string; on: InstanceName }
  | { kind: 'audit-login'; user: string; on: InstanceName };

export type AnyOp = Op | AuditOp;

/** A step is one operation, or two or three sent at once (Promise.all). */
export type Step = Op[];

export interface Scenario {
  policy: LimitPolicy;
  steps: Step[];
}

const on = fc.constantFrom<InstanceName>('A', 'B');
const browser = fc.nat({ max: BROWSERS - 1 });

/** Operations that make sense in this combination, weighted so that runs log in early and often. */
function opArbitrary(combo: Combo): fc.Arbitrary<Op> {
  const plain = (kind: PlainKind) =>
    fc.record({ kind: fc.constant(kind), browser, on });
  const choices: Array<{ weight: number; arbitrary: fc.Arbitrary<Op> }> = [
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('login' as const), browser, user: fc.nat({ max: USERS.length - 1 }), remember: fc.boolean(), on }) },
    { weight: 5, arbitrary: plain('read') },
    { weight: 2, arbitrary: plain('bearer') },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('write' as const), browser, field: fc.constantFrom(...FIELDS), on }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unset' as const), browser, field: fc.constantFrom(...FIELDS), on }) },
    { weight: 2, arbitrary: plain('logout') },
    { weight: 1, arbitrary: plain('logout-all') },
    { weight: 1, arbitrary: plain('logout-others') },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('revoke' as const), browser, pick: fc.nat({ max: 3 }), on }) },
    { weight: 2, arbitrary: plain('regenerate') },
    { weight: 1, arbitrary: plain('list') },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), browser, age: fc.nat({ max: 3 }), on }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const), on }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('kill-subscribers' as const), pick: fc.oneof(fc.constant<'all'>('all'), fc.nat({ max: 7 })) }) },
  ];
  if (combo.binding) choices.push({ weight: 2, arbitrary: plain('thief') });
  return fc.oneof(...choices);
}

function waitKind(combo: Combo): fc.Arbitrary<WaitTarget> {
  return combo.rotation
    ? fc.constantFrom<WaitTarget>('rotation-due', 'rotation-due', 'expiry-edge', 'expired', 'cache-refresh')
    : fc.constantFrom<WaitTarget>('expiry-edge', 'expiry-edge', 'expired', 'cache-refresh');
}

/**
 * A run: about 5 to `maxSteps` steps. About a third are groups of 2-3 concurrent operations, built to collide
 * (they share a browser more often than not), and some are races: a browser logs in, waits until its session is
 * due for rotation or near its expiry, then sends a group.
 */
export function scenarioArbitrary(combo: Combo, maxSteps: number): fc.Arbitrary<Scenario> {
  const op = opArbitrary(combo);
  const onBrowser = (ops: Op[], b: number): Op[] => ops.map((o) => ('browser' in o && o.kind !== 'wait' ? { ...o, browser: b } : o));
  const group = fc
    .tuple(fc.array(op, { minLength: 2, maxLength: 3 }), fc.boolean(), browser)
    .map(([ops, collide, b]): Step[] => [collide ? onBrowser(ops, b) : ops]);
  const race = fc
    .tuple(waitKind(combo), browser, fc.nat({ max: USERS.length - 1 }), fc.boolean(), on, fc.array(op, { minLength: 2, maxLength: 3 }))
    .map(([until, b, user, remember, where, ops]): Step[] => [
      [{ kind: 'login', browser: b, user, remember, on: where }],
      [{ kind: 'wait', until, browser: b }],
      onBrowser(ops, b),
    ]);
  // A cached session ended on one instance while subscriber connections drop: the other must not serve it on.
  const cacheRace = fc
    .tuple(browser, on, fc.nat({ max: 7 }), fc.constantFrom('logout', 'logout-all', 'regenerate'), fc.boolean())
    .map(([b, reader, pick, kind, sameBrowser]): Step[] => {
      const other = reader === 'A' ? 'B' : 'A';
      const ender = sameBrowser ? b : (b + 1) % BROWSERS;
      // After its own logout or regenerate the browser holds another token (or none): it replays the one it had.
      const again: Op = kind !== 'logout-all' && sameBrowser ? { kind: 'replay', browser: b, age: 0, on: reader } : { kind: 'read', browser: b, on: reader };
      return [
        [{ kind: 'read', browser: b, on: reader }],
        [{ kind: 'kill-subscribers', pick }, { kind, browser: ender, on: other }],
        [again],
      ];
    });
  const chunks: Array<{ weight: number; arbitrary: fc.Arbitrary<Step[]> }> = [
    { weight: 6, arbitrary: op.map((o): Step[] => [[o]]) },
    { weight: 3, arbitrary: group },
    { weight: 2, arbitrary: race },
  ];
  if (combo.cache !== 'off') chunks.push({ weight: 1, arbitrary: cacheRace });
  return fc.record({
    policy: combo.limit ? fc.constantFrom<LimitPolicy>('evict-oldest', 'refuse') : fc.constant<LimitPolicy>('evict-oldest'),
    steps: fc.array(fc.oneof(...chunks), { minLength: 4, maxLength: Math.ceil(maxSteps / 2) }).map((c) => c.flat()),
  });
}

/** Short text for traces: "b1@B write a". */
export function describeOp(op: AnyOp): string {
  switch (op.kind) {
    case 'login':
      return `b${op.browser}@${op.on} login ${USERS[op.user]}${op.remember ? ' (remember)' : ''}`;
    case 'write':
    case 'unset':
      return `b${op.browser}@${op.on} ${op.kind} ${op.field}`;
    case 'revoke':
      return `b${op.browser}@${op.on} revoke #${op.pick}`;
    case 'replay':
      return `b${op.browser}@${op.on} replay token -${op.age + 1}`;
    case 'sweep':
      return `sweep@${op.on}`;
    case 'kill-subscribers':
      return op.pick === 'all' ? 'CLIENT KILL TYPE pubsub' : `CLIENT KILL one subscriber (#${op.pick})`;
    case 'wait':
      return `wait (${op.until} of b${op.browser})`;
    case 'probe':
    case 'audit-list':
      return `${op.kind}@${op.on} ${op.token.slice(0, 8)}…`;
    case 'audit-login':
      return `audit-login@${op.on} ${op.user}`;
    default:
      return `b${op.browser}@${op.on} ${op.kind}`;
  }
}
