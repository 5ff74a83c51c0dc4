// One answer asks the store for the same month lists many times (a ward answer on PostgreSQL made 16
// queries, 7 of them the same three month lists; `by type` made 34 of 58). Within one answer the data
// cannot change under it in a way the answer should see half of, so those reads are shared for the
// answer's duration: an AsyncLocalStorage scope opened by `answer()`. (The store keeps some of them across
// answers too, for as long as its data version stays the same, which each answer reads once: KyselyStore.kept.)
import { AsyncLocalStorage } from 'node:async_hooks';

const scope = new AsyncLocalStorage<Map<string, Promise<unknown>>>();

/** Runs `fn` with its own read memo: reads through `memoRead` inside it are made once each. */
export function withReadMemo<T>(fn: () => Promise<T>): Promise<T> {
  return scope.run(new Map(), fn);
}

/** Whether a memo scope is open (an answer is being made). */
export function inReadMemo(): boolean {
  return scope.getStore() !== undefined;
}

/**
 * The read `key` made once in the current memo scope (or every time outside one). `copy` gives each caller
 * its own copy of the result, so a caller that sorts or extends what it was given cannot change another's.
 */
export function memoRead<T>(key: string, read: () => Promise<T>, copy: (value: T) => T): Promise<T> {
  const memo = scope.getStore();
  if (!memo) return read();
  let pending = memo.get(key) as Promise<T> | undefined;
  if (!pending) {
    pending = read();
    memo.set(key, pending);
    // a failed read is not remembered: the next caller tries again
    pending.catch(() => memo.delete(key));
  }
  return pending.then(copy);
}
