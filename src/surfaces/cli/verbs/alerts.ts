// `wardwatch alerts [--month YYYY-MM] [--dry-run] [--json] [--history]`: evaluates every alert rule for a
// month (default: the latest police.uk month) and queues the digests in the outbox, exactly as the
// service does when that month lands (the same keys: a month already handled queues nothing new), or,
// with --dry-run, prints what it would post and changes nothing. --history lists every alert, open or
// closed, with why it fired and who acknowledged it.
import { loadConfig } from '../../../config/load.ts';
import { UserError } from '../../../core/errors.ts';
import { isMonth, monthName } from '../../../core/periods.ts';
import { runAlertPipeline } from '../../../alerting/pipeline.ts';
import { loadRules } from '../../../alerting/rules.ts';
import { deliverOutboxNow } from '../../../service/deliver-outbox.ts';
import { openStore } from '../../../store/open.ts';
import type { Verb } from '../main.ts';
import { whoFor } from '../../../alerting/who.ts';

const USAGE = `usage: wardwatch alerts [--month YYYY-MM] [--dry-run] [--json] [--history]

Evaluates every rule in the alert rules folder (config alertRules, default alerts/) for a month and
queues each channel's digest in the outbox, as the service does when the month lands, then delivers
what it can reach (local channels; Slack with SLACK_BOT_TOKEN set): \`wardwatch serve\` delivers the rest,
\`wardwatch outbox\` shows what waits. A month already handled queues nothing new.

  --month YYYY-MM  the month to evaluate (default: the latest police.uk month in the store)
  --dry-run        print the digests it would post; change nothing
  --json           print {month, findings: [...], digests: [...]}
  --history        every alert, open or closed: since when, why, who acknowledged it`;

const verb: Verb = {
  summary: 'evaluate alert rules and show or deliver what fires',
  async run(args) {
    let month: string | undefined;
    let dryRun = false;
    let json = false;
    let history = false;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--help' || a === '-h') {
        console.log(USAGE);
        return 0;
      } else if (a === '--dry-run') dryRun = true;
      else if (a === '--json') json = true;
      else if (a === '--history') history = true;
      else if (a === '--month') month = args[++i];
      else if (a.startsWith('--month=')) month = a.slice(8);
      else throw new UserError(`unknown option "${a}"\n\n${USAGE}`);
    }
    if (month !== undefined && !isMonth(month)) throw new UserError(`--month: expected a month as YYYY-MM, found "${month ?? ''}"`);
    const { config, alertRulesDir } = loadConfig();
    const rules = loadRules(alertRulesDir, config);
    const store = await openStore();
    try {
      if (history) {
        const alerts = await store.alerts();
        const acks = await store.alertAcknowledgements(alerts.map((a) => a.id));
        const rows = alerts
          .sort((a, b) => (a.lastMonth === b.lastMonth ? b.id - a.id : a.lastMonth < b.lastMonth ? 1 : -1))
          .map((a) => ({
            id: a.id,
            rule: a.rule,
            areaCode: a.areaCode,
            areaName: a.areaName,
            measure: a.measure,
            state: a.state,
            since: a.sinceMonth,
            lastMonth: a.lastMonth,
            resolvedMonth: a.resolvedMonth,
            partnerships: a.partnerships,
            explanation: `${a.explanation.headline}. ${a.explanation.sentence}`,
            acknowledgements: acks.filter((k) => k.alertId === a.id).map((k) => ({ by: k.by, at: k.at, surface: k.surface })),
          }));
        if (json) console.log(JSON.stringify({ alerts: rows }, null, 2));
        else if (!rows.length) console.log('No alerts yet.');
        else
          for (const r of rows) {
            const ack = r.acknowledgements.at(-1);
            console.log(
              `#${r.id} ${r.state.padEnd(10)} since ${monthName(r.since)}${r.resolvedMonth ? `, closed ${monthName(r.resolvedMonth)}` : ''} [${r.rule}] (${r.partnerships.join(', ')})\n    ${r.explanation}${ack ? `\n    Acknowledged by ${whoFor(ack.by, 'cli')} (${ack.surface}) at ${ack.at}.` : ''}`,
            );
          }
        return 0;
      }
      if (!rules.length) throw new UserError(`no alert rules in ${alertRulesDir} (see alerts/README.md for the format)`);
      const latest = (await store.months('police.uk')).at(-1);
      const target = month ?? latest;
      if (!target) throw new UserError('the store holds no police.uk month: run `wardwatch ingest --fixtures` first (or set WARDWATCH_DB or WARDWATCH_DATABASE_URL)');
      if (!(await store.months()).includes(target)) throw new UserError(`the store holds no data for ${monthName(target)} (latest: ${latest ? monthName(latest) : 'none'})`);
      process.stderr.write(`alerts: evaluating ${rules.length} rules for ${monthName(target)}${dryRun ? ' (dry run: nothing is written)' : ''}…\n`);
      const result = await runAlertPipeline({ store, config, rules, month: target, trigger: 'manual', dryRun, log: (line) => console.error(line) });
      // Delivers what is due now through the outbox (local channels; Slack with SLACK_BOT_TOKEN set); what this
      // process cannot reach, or what waits for quiet hours or a retry, is left for \`wardwatch serve\`.
      const delivered = dryRun ? [] : await deliverOutboxNow({ store, config, env: process.env, log: (line) => process.stderr.write(`${line}\n`) });
      const sentNow = delivered.filter((o) => o.outcome === 'sent' || o.outcome === 'found').length;
      const waiting = dryRun ? 0 : (await store.outboxMessages({ states: ['pending', 'sending', 'deferred', 'failed'] })).length;
      if (json) {
        console.log(JSON.stringify({ month: result.month, findings: result.findings, digests: result.digests }, null, 2));
        return 0;
      }
      const firing = result.findings.filter((f) => f.state === 'firing');
      console.log(`${monthName(result.month)}: ${firing.length} alert${firing.length === 1 ? '' : 's'} firing, ${result.findings.length - firing.length} other finding(s).`);
      for (const d of result.digests) console.log(`\n--- ${d.channel} (${d.partnership}) ---\n${d.text}`);
      if (!result.digests.length) console.log('Nothing new to post: every channel has already had this month.');
      if (!dryRun)
        console.log(
          `\n${result.enqueued} message(s) queued in the outbox; ${sentNow} delivered now${waiting ? `; ${waiting} waiting (\`wardwatch outbox\` shows them; \`wardwatch serve\` delivers them)` : ''}.`,
        );
      return 0;
    } finally {
      await store.close();
    }
  },
};

export default verb;
