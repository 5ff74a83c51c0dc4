// What every worker thread starts from: one boot module and the process's flags without its preloads.

/** The boot module (worker-boot.mjs): registers tsx, then imports `workerData.entry`. */
export const WORKER_BOOT = new URL('./worker-boot.mjs', import.meta.url);

/**
 * The process's flags without its `--import`/`--require` preloads: a worker inherits them, but they run
 * before the worker's own loader (worker-boot.mjs registers tsx), so a TypeScript preload (a test's network
 * guard, say) would fail to load there. Workers only draw, judge or read; they need no preload.
 */
export function workerExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (a === '--import' || a === '--require' || a === '-r' || a === '--loader' || a === '--experimental-loader') {
      i++;
      continue;
    }
    if (/^--(import|require|loader|experimental-loader)=/.test(a)) continue;
    out.push(a);
  }
  return out;
}
