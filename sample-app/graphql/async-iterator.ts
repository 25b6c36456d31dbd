import type { Observable } from 'rxjs';

/**
 * An Observable as the async iterator GraphQL subscriptions return (both Apollo's graphql-ws server and Mercurius
 * take one). Values wait in a queue until pulled; `return()` (the client unsubscribed, the socket closed)
 * unsubscribes.
 */
export function asyncIterator<T>(source: Observable<T>): AsyncIterableIterator<T> {
  const queue: T[] = [];
  const waiting: Array<(r: IteratorResult<T>) => void> = [];
  let done = false;
  let failure: unknown;
  const finish = () => {
    done = true;
    for (const w of waiting.splice(0)) w({ value: undefined, done: true });
  };
  const subscription = source.subscribe({
    next: (value) => (waiting.length ? waiting.shift()!({ value, done: false }) : queue.push(value)),
    error: (err: unknown) => {
      failure = err;
      finish();
    },
    complete: finish,
  });
  const iterator: AsyncIterableIterator<T> = {
    next: () => {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (failure) return Promise.reject(failure);
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => waiting.push(resolve));
    },
    return: () => {
      subscription.unsubscribe();
      finish();
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
