// `wardwatch watch --once`: one pass of the data watcher (the inbox, police.uk), with progress.
import { loadConfig } from '../../../config/load.ts';
import { openStore } from '../../../store/open.ts';
import { watcherSettings, watchInbox, watchPoliceUk, watchPoliceUkRevisions, type PoliceUkRunResult } from '../../../watcher/index.ts';
import type { Verb } from '../main.ts';
import { createProgress } from '../progress.ts';

const HELP = `usage: wardwatch watch --once [--inbox] [--police-uk] [--revisions] [--quiet]

Runs the data watcher once, as the service does on its schedule (README "The data watcher"):
  --inbox       ingest what has settled in the inbox ($WARDWATCH_INBOX or watcher.inbox in the
                config), moving each file to processed/ or, with its error, to rejected/
  --police-uk   ask police.uk which months it has published; fetch and ingest any month after the
                store's latest, ward by ward (at most watcher.policeUkApi.ratePerSecond requests a second)
  --revisions   fetch the latest watcher.policeUkApi.revisionMonths months again; ingest any that
                changed as a revision
With no source named: --inbox (when an inbox is configured) and --police-uk. The police.uk API is
asked here even when watcher.policeUkApi.enabled is false (that setting is for the schedule).
Months ingested record data events: a running service's consumers (alerts, notices) pick them up.
  --quiet       only the results`;

const watch: Verb = {
  summary: 'run the data watcher once (inbox, police.uk)',
  async run(args) {
    let inbox = false;
    let policeUk = false;
    let revisions = false;
    let quiet = false;
    for (const a of args) {
      if (a === '--help' || a === '-h') {
        console.log(HELP);
        return 0;
      } else if (a === '--once') continue;
      else if (a === '--inbox') inbox = true;
      else if (a === '--police-uk') policeUk = true;
      else if (a === '--revisions') revisions = true;
      else if (a === '--quiet' || a === '-q') quiet = true;
      else {
        console.error(`wardwatch watch: unknown option ${a}\n\n${HELP}`);
        return 2;
      }
    }
    const { config } = loadConfig();
    const settings = watcherSettings(config);
    if (!inbox && !policeUk && !revisions) {
      inbox = settings.inbox !== null;
      policeUk = true;
    }
    if (inbox && !settings.inbox) {
      console.error('wardwatch watch: no inbox configured (set WARDWATCH_INBOX or watcher.inbox in the config)');
      return 2;
    }
    const store = await openStore();
    const bar = quiet ? null : createProgress('watch');
    const log = (line: string) => {
      if (quiet) return;
      bar?.done();
      console.error(line);
    };
    const deps = { store, config, settings, log };
    let failed = false;
    try {
      if (inbox) {
        const r = await watchInbox(deps, {
          onProgress: (p) => bar?.update(p.phase === 'write' ? 1 : (p.index - 1 + (p.bytesTotal ? p.bytesRead / p.bytesTotal : 1)) / p.files, 1, `inbox: ${p.file}`),
        });
        bar?.done();
        if (r) {
          for (const p of r.processed) console.log(`inbox: processed ${p.name}${p.lines.length ? `\n  ${p.lines.join('\n  ')}` : ''}`);
          for (const p of r.rejected) console.log(`inbox: rejected ${p.name}: ${p.error}`);
          for (const w of r.waiting) console.log(`inbox: ${w} is still being written (left for later)`);
          if (!r.processed.length && !r.rejected.length && !r.waiting.length) console.log('inbox: empty');
          if (r.rejected.length) failed = true;
        }
      }
      const onProgress = (p: { month: string; wardsDone: number; wards: number; crimes: number }) =>
        bar?.update(p.wardsDone, p.wards, `police.uk ${p.month}: ${p.wardsDone}/${p.wards} wards, ${p.crimes.toLocaleString('en-GB')} crimes`);
      if (policeUk) report('police.uk', await watchPoliceUk(deps, { onProgress }));
      if (revisions) report('police.uk revisions', await watchPoliceUkRevisions(deps, { onProgress }));
    } finally {
      bar?.done();
      await store.close();
    }
    return failed ? 1 : 0;
  },
};

function report(what: string, r: PoliceUkRunResult): void {
  const parts = [
    r.landed.length ? `landed ${r.landed.join(', ')}` : '',
    r.revised.length ? `revised ${r.revised.join(', ')}` : '',
    r.unchanged.length ? `unchanged ${r.unchanged.join(', ')}` : '',
    r.baselines.length ? `baseline recorded for ${r.baselines.join(', ')}` : '',
    ...r.skipped.map((s) => s.reason),
  ].filter(Boolean);
  console.log(
    `${what}: newest published month ${r.latestPublished ?? 'none'}; ${parts.length ? parts.join('; ') : 'nothing new'} ` +
      `(${r.api.requests} requests${r.api.throttled ? `, ${r.api.throttled} rate-limited` : ''}${r.api.tooLarge ? `, ${r.api.tooLarge} polygons split` : ''}${r.api.retries ? `, ${r.api.retries} retries` : ''})`,
  );
}

export default watch;
