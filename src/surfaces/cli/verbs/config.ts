// `wardwatch config check [--file PATH]`: validates the configuration as `serve` would (every problem
// with file:line, key path, expected and found), checks that the environment variables it and the
// enabled surfaces need are set (names only: no value is ever printed), that the alert rules folder
// exists, and prints a summary of partnerships and channels.
import { existsSync, statSync } from 'node:fs';
import { configPath, loadConfig } from '../../../config/load.ts';
import type { Config } from '../../../config/schema.ts';
import { UserError } from '../../../core/errors.ts';
import type { Verb } from '../main.ts';

const USAGE = `usage: wardwatch config check [--file PATH]

Validates the configuration ($WARDWATCH_CONFIG, default ./wardwatch.config.yaml): every error names
the file, line, key path, what was expected and what was found. Then checks that the environment
variables the configuration names (webhookUrlEnv) and its surfaces need (Slack, Teams) are set,
without printing their values, and prints a summary. Exit status 0 when all is well, 1 otherwise.`;

interface EnvCheck {
  name: string;
  why: string;
  required: boolean;
}

/** The environment variables a configuration needs, each with why. */
export function neededEnv(config: Config): EnvCheck[] {
  const out: EnvCheck[] = [];
  const add = (name: string, why: string, required = true) => {
    if (!out.some((e) => e.name === name)) out.push({ name, why, required });
  };
  for (const c of config.channels) {
    if (c.platform === 'slack') {
      add('SLACK_BOT_TOKEN', `Slack channel ${c.name} (or SLACK_CLIENT_ID/SLACK_CLIENT_SECRET for installs from other workspaces)`);
      add('SLACK_SIGNING_SECRET', `Slack channel ${c.name}: verifies requests from Slack`);
    }
    if (c.platform === 'teams') {
      add('TEAMS_APP_ID', `Teams channel ${c.name}`);
      add('TEAMS_APP_PASSWORD', `Teams channel ${c.name}`);
    }
    if (c.platform === 'teams-webhook') add(c.webhookUrlEnv, `Teams webhook channel ${c.name} (its Workflows URL)`);
  }
  return out;
}

export function checkConfig(file: string, env: NodeJS.ProcessEnv): { ok: boolean; lines: string[] } {
  const lines: string[] = [];
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(file);
  } catch (err) {
    if (err instanceof UserError) return { ok: false, lines: [`config: ${err.message}`] };
    throw err;
  }
  const { config } = loaded;
  let ok = true;
  lines.push(`config: ${loaded.file}: valid`);
  const { policeUkForce, districts } = config.forceArea;
  lines.push(
    '',
    `Force area: ${config.forceArea.name} · police.uk: ${policeUkForce === 'all' ? 'every force' : (policeUkForce ?? 'no force named')} · ` +
      (districts ? `${districts.length} district${districts.length === 1 ? '' : 's'}` : 'districts: all (every district in the loaded geography)'),
  );
  lines.push('', `Partnerships (${config.partnerships.length}):`);
  for (const p of config.partnerships)
    lines.push(
      `  ${p.id.padEnd(22)} ${p.name} · ${p.areas.length} area${p.areas.length === 1 ? '' : 's'} · year ends month ${p.reportingYearEnd} · priorities: ${p.priorityMeasures.join(', ')}`,
    );
  lines.push('', `Channels (${config.channels.length}):`);
  for (const c of config.channels)
    lines.push(
      `  ${c.name.padEnd(22)} ${c.platform.padEnd(13)} ${c.partnership} · small numbers ${c.clearance.smallNumbers ? 'shown' : 'hidden'}, sensitive ${c.clearance.sensitive ? 'shown' : 'hidden'}`,
    );
  const needed = neededEnv(config);
  lines.push('', 'Environment (names only; values are never printed):');
  if (!needed.length) lines.push('  none needed: only local channels are configured');
  for (const e of needed) {
    const set = (env[e.name] ?? '') !== '';
    // A bot token or an OAuth client: either is enough for Slack.
    const slackOAuth = e.name === 'SLACK_BOT_TOKEN' && (env.SLACK_CLIENT_ID ?? '') !== '' && (env.SLACK_CLIENT_SECRET ?? '') !== '';
    const good = set || slackOAuth;
    if (!good && e.required) ok = false;
    lines.push(`  ${good ? 'set    ' : 'MISSING'} ${e.name.padEnd(22)} ${e.why}`);
  }
  if (!existsSync(loaded.alertRulesDir) || !statSync(loaded.alertRulesDir).isDirectory()) {
    ok = false;
    lines.push('', `alertRules: ${loaded.alertRulesDir}: expected a folder of alert rule files, found nothing there`);
  } else lines.push('', `Alert rules: ${loaded.alertRulesDir}`);
  lines.push('', `Schedule: data check "${config.schedule.dataCheck}" (${config.timezone})`);
  lines.push('', ok ? 'config check: OK' : 'config check: problems above');
  return { ok, lines };
}

const verb: Verb = {
  summary: 'check the configuration and the environment it needs (config check)',
  async run(args) {
    const [sub, ...rest] = args;
    if (!sub || sub === '--help' || sub === '-h') {
      console.log(USAGE);
      return sub ? 0 : 2;
    }
    if (sub !== 'check') throw new UserError(`unknown subcommand "${sub}"\n\n${USAGE}`);
    let file = configPath();
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--file') {
        const f = rest[++i];
        if (!f) throw new UserError('--file needs a path');
        file = f;
      } else throw new UserError(`unknown option ${rest[i]}\n\n${USAGE}`);
    }
    const { ok, lines } = checkConfig(file, process.env);
    (ok ? console.log : console.error)(lines.join('\n'));
    return ok ? 0 : 1;
  },
};

export default verb;
