// An older commit's source tree, for a comparator measured in the same run as today's code: the
// synchronous SQLite store (the commit before the async port) answers the same questions through the
// same HTTP API on the same machine, so the comparison does not depend on what else the machine was
// doing when an earlier number was taken. `git archive` into a temp folder (the working tree and the
// index are not touched), with this tree's node_modules linked in.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './serve-child.ts';

/** The last commit with the synchronous store (better-sqlite3 called directly, no kysely): e8db3ec. */
export const SYNC_STORE_COMMIT = 'e8db3ecfca74a850c97ed3f576ebe10f43e407ee';

export interface OldTree {
  root: string;
  commit: string;
  remove(): void;
}

/** The commit's files in a temp folder, or null (with why) when the history is not there (a shallow clone). */
export function extractCommit(commit: string): OldTree | { missing: string } {
  try {
    execFileSync('git', ['cat-file', '-e', `${commit}^{commit}`], { cwd: ROOT, stdio: 'ignore' });
  } catch {
    return { missing: `commit ${commit.slice(0, 7)} is not in this clone's history (a shallow clone?)` };
  }
  const root = mkdtempSync(join(tmpdir(), `wardwatch-bench-${commit.slice(0, 7)}-`));
  execFileSync('sh', ['-c', `git archive --format=tar ${commit} | tar -x -C "${root}"`], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (!existsSync(join(root, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  return { root, commit, remove: () => rmSync(root, { recursive: true, force: true }) };
}
