// The benches' record-key secret. Protected (partnership) figures are perturbed with noise keyed by the
// store's record-key secret (src/figures/disclosure.ts), random in each new store: a bench fixes it so two
// runs measure the same thing and two stores (SQLite, PostgreSQL) give the same replies.
// WARDWATCH_BENCH_RECORD_KEY_SECRET: another secret, in hex.
import { RECORD_KEY_SECRET_NAME } from '../../src/figures/disclosure.ts';
import type { Store } from '../../src/store/types.ts';

/** Any fixed 32 bytes. */
const BENCH_RECORD_KEY_SECRET = 'a1e7b0c3'.repeat(8);

/** Gives an empty store the bench's secret, before anything is loaded into it. */
export async function seedBenchRecordKey(store: Store): Promise<void> {
  await store.linkSecret(RECORD_KEY_SECRET_NAME, process.env.WARDWATCH_BENCH_RECORD_KEY_SECRET ?? BENCH_RECORD_KEY_SECRET);
}
