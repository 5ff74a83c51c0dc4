// One record-key secret for every test store (the fixture templates, SQLite and PostgreSQL, and the
// empty stores of test/helpers/store.ts), so every test sees the same perturbation of protected figures
// (src/figures/disclosure.ts): with each store's own random secret, a test on perturbed values could
// pass or fail with the keys (one did on a fresh clone). The attack harness (test/privacy) also runs
// over random secrets, which it sets on copies of its own.
import { RECORD_KEY_SECRET_NAME } from '../../src/figures/disclosure.ts';
import type { Store } from '../../src/store/types.ts';

export const TEST_RECORD_KEY_SECRET = '5eed'.repeat(16);

/** Gives a store the tests' record-key secret (before anything has made it one of its own). */
export async function seedRecordKeySecret(store: Pick<Store, 'linkSecret'>): Promise<void> {
  const secret = await store.linkSecret(RECORD_KEY_SECRET_NAME, TEST_RECORD_KEY_SECRET);
  if (secret !== TEST_RECORD_KEY_SECRET) throw new Error(`this store already had a record-key secret of its own: the tests' fixed one must be seeded first`);
}
