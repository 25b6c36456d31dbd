import { toActiveSession } from '../session.internals';
import type { StoredSession } from '../store/stored.session';
import { InFlightExchanges } from './in-flight.exchanges';
import type { SessionCookie } from './session.cookie';

const cookie = { isSent: (res: { sent: boolean }) => res.sent } as unknown as SessionCookie;
const stored = (selector: string, userId = 'u1'): StoredSession => ({
  selector, userId, device: 'web', verifier: 'v', createdAt: 1, lastSeenAt: 2, expiresAt: 3, absoluteExpiresAt: 4, data: {},
}) as StoredSession;
const request = () => ({ req: { headers: {} }, res: { sent: false } });

describe('InFlightExchanges', () => {
  it('gives each concurrent request of one cached session object a copy of its own, and finds exactly that request', () => {
    const exchanges = new InFlightExchanges(cookie);
    const shared = toActiveSession<Record<string, unknown>>(stored('s1'));
    const [a, b] = [request(), request()];
    const forA = exchanges.add(shared, a);
    const forB = exchanges.add(shared, b);
    expect(forA).toBe(shared);
    expect(forB).not.toBe(shared);
    expect(forB).toEqual(shared);
    expect(exchanges.exchangeOf(forA)).toBe(a);
    expect(exchanges.exchangeOf(forB)).toBe(b);
  });

  it('forgets a request once its response is sent, and reuses the object then', () => {
    const exchanges = new InFlightExchanges(cookie);
    const shared = toActiveSession<Record<string, unknown>>(stored('s1'));
    const a = request();
    exchanges.add(shared, a);
    a.res.sent = true;
    expect(exchanges.exchangeOf(shared)).toBeUndefined();
    expect(exchanges.add(shared, request())).toBe(shared);
  });

  it("lists a user's pending requests by session, for the logouts", () => {
    const exchanges = new InFlightExchanges(cookie);
    const [one, two, other] = [toActiveSession<Record<string, unknown>>(stored('s1')), toActiveSession<Record<string, unknown>>(stored('s2')), toActiveSession<Record<string, unknown>>(stored('s3', 'u2'))];
    const [a, b, c] = [request(), request(), request()];
    exchanges.add(one, a);
    exchanges.add(two, b);
    exchanges.add(other, c);
    expect(exchanges.pending('u1')).toEqual([a, b]);
    expect(exchanges.pending('u1', (id) => id === two.id)).toEqual([b]);
    expect(exchanges.pending('u3')).toEqual([]);
  });
});
