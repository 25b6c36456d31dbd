import { lastValueFrom, map, Observable, timer } from 'rxjs';
import { runInExchange } from '../../test/harness/sign-in';
import { exchangeForLogin, exchangeNow, observeInExchange, SessionExchange, signInsRunning } from './session.exchange';

const exchange = (name: string): SessionExchange => ({ req: { headers: { 'x-name': name } }, res: { name } });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the sign-in exchange', () => {
  it('is visible across awaits inside a sign-in, and gone once it ends', async () => {
    const seen: Array<SessionExchange | undefined> = [];
    const a = exchange('a');
    await runInExchange(a, async () => {
      seen.push(exchangeNow());
      await tick();
      seen.push(exchangeForLogin());
    });
    expect(seen).toEqual([a, a]);
    expect(signInsRunning()).toBe(0);
  });

  it('keeps two overlapping sign-ins apart, and stays off after both end', async () => {
    const a = exchange('a');
    const b = exchange('b');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = runInExchange(a, async () => {
      await gate;
      return exchangeNow();
    });
    const second = runInExchange(b, async () => {
      await tick();
      const mine = exchangeNow();
      release();
      return mine;
    });
    expect(await Promise.all([first, second])).toEqual([a, b]);
    expect(signInsRunning()).toBe(0);
    await tick();
    expect(signInsRunning()).toBe(0);
  });

  it('covers an observable handler (an interceptor) from subscription to completion, error or unsubscription', async () => {
    const a = exchange('a');
    const later = () => new Observable<SessionExchange | undefined>((sub) => {
      setImmediate(() => {
        sub.next(exchangeNow());
        sub.complete();
      });
    });
    expect(await lastValueFrom(observeInExchange(a, later))).toBe(a);
    expect(signInsRunning()).toBe(0);
    await expect(lastValueFrom(observeInExchange(a, () => timer(1).pipe(map(() => { throw new Error('boom'); }))))).rejects.toThrow('boom');
    expect(signInsRunning()).toBe(0);
    observeInExchange(a, () => timer(60_000)).subscribe().unsubscribe();
    expect(signInsRunning()).toBe(0);
    await expect(lastValueFrom(observeInExchange(a, () => { throw new Error('sync'); }))).rejects.toThrow('sync');
    await expect(runInExchange(a, async () => { throw new Error('late'); })).rejects.toThrow('late');
    expect(signInsRunning()).toBe(0);
  });

  it('refuses a login outside one, naming @PublicRoute() and issue()', () => {
    expect(() => exchangeForLogin()).toThrow(/@PublicRoute\(\).*issue\(\)/);
  });
});
