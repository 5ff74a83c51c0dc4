// `wardwatch <verb> ...`: each verb is a module in src/surfaces/cli/verbs/ exporting `run(args)`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Verb {
  summary: string;
  run(args: string[]): Promise<number>;
}

const VERBS: Record<string, string> = {
  ingest: 'load police.uk, partnership and geography files into the store',
  watch: 'run the data watcher once (inbox, police.uk)',
  synth: 'generate synthetic history (police.uk-shaped and partnership CSVs)',
  ask: 'answer a /crime command as the bot would',
  brief: "draw a partnership's pre-meeting brief as a PDF (or its monthly summary)",
  detect: 'run the spike detector on a monthly series',
  alerts: 'evaluate alert rules and show or deliver what fires',
  outbox: 'list, retry and deliver the messages waiting to be posted',
  config: 'check the configuration and the environment it needs: config check',
  serve: 'run the bot (Slack, Teams and the local channel page)',
  bench: 'run the benchmarks and write a JSON report',
};

function usage(): string {
  const width = Math.max(...Object.keys(VERBS).map((v) => v.length));
  return ['usage: wardwatch <verb> [options]', '', ...Object.entries(VERBS).map(([v, s]) => `  ${v.padEnd(width)}  ${s}`), '', "wardwatch <verb> --help for a verb's options"].join(
    '\n',
  );
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    console.log(usage());
    return verb ? 0 : 2;
  }
  if (!(verb in VERBS)) {
    console.error(`wardwatch: unknown verb "${verb}"\n\n${usage()}`);
    return 2;
  }
  const file = fileURLToPath(new URL(`./verbs/${verb}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.error(`wardwatch: "${verb}" is not available in this build`);
    return 2;
  }
  const mod = (await import(file)) as { default: Verb };
  try {
    return await mod.default.run(rest);
  } catch (err) {
    // Expected failures are thrown as UserError and printed without a stack.
    if (err instanceof Error && err.name === 'UserError') {
      console.error(`wardwatch ${verb}: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
