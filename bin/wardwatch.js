#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// `wardwatch ... | head` closes our stdout early: stop quietly instead of printing an EPIPE stack.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

register();
const { main } = await import('../src/surfaces/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
