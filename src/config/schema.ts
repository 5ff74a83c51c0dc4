// The configuration file's schema. Types are inferred from it; nothing else defines config shape.
import cron from 'node-cron';
import { z } from 'zod';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date as YYYY-MM-DD');
// X-prefixed codes are the synthetic geography's (`wardwatch synth --scale national`): ONS never issues an X
// code, so they cannot be mistaken for real ones, and they are accepted only with `syntheticGeography: true`.
const gssCode = z.string().regex(/^[EWSNX]\d{8}$/, 'an ONS area code such as E07000008');
const SYNTHETIC_CODE = /^X\d{8}$/;
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name (secrets never go in this file)');
const calendarMonthNumber = z.number().int().min(1, 'a month number 1-12').max(12, 'a month number 1-12');

export const ClearanceSchema = z.strictObject({
  /** May see counts below the partnership's small-number threshold. */
  smallNumbers: z.boolean().default(false),
  /** May see measures marked sensitive in the taxonomy (sexual offences, domestic abuse, hate crime). */
  sensitive: z.boolean().default(false),
});

/** The rules the summary and the brief state for their flags and lists (src/brief). */
export const BriefSettingsSchema = z.strictObject({
  /** Rising / falling: the year ending changed by at least this percentage on the year before; otherwise stable. */
  trendPercent: z.number().min(1).max(100).default(10),
  /** No flag, and never a "largest rise or fall", on a previous year ending below this count. */
  minBase: z.number().int().min(1).default(50),
  /** The longer-term trend compares with the same 12 months this many years earlier (the seeds: 2021/22 against 2024/25). */
  baseYearsBack: z.number().int().min(1).max(10).default(3),
  /** A ward change is "notable" only when the ward had at least this many in the year before. */
  wardMinBase: z.number().int().min(1).default(20),
  /** How many notable ward rises (and falls) to list for each measure. */
  wardChanges: z.number().int().min(1).max(14).default(5),
});
export const BRIEF_DEFAULTS = { trendPercent: 10, minBase: 50, baseYearsBack: 3, wardMinBase: 20, wardChanges: 5 } as const;

export const PartnershipSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a short id: lower-case letters, digits, hyphens'),
  name: z.string().min(1),
  /** District codes (or ward codes) the partnership covers. */
  areas: z.array(gssCode).min(1),
  /** Last month of the partnership's reporting year: 9 = year ending September. */
  reportingYearEnd: calendarMonthNumber.default(3),
  /** Taxonomy keys the partnership has made priorities. */
  priorityMeasures: z.array(z.string()).default([]),
  meetingDates: z.array(isoDate).default([]),
  /** Working days before each meeting date to post the brief (weekends and England and Wales bank holidays skipped). */
  briefDaysBefore: z.number().int().min(0).max(60).default(5),
  /** The configured channel (of this partnership) the pre-meeting brief is posted to; no channel, no scheduled brief. */
  chairChannel: z.string().optional(),
  /** The monthly summary when a month lands: its own message in each channel, inside the alert digest, or not posted. */
  monthlySummary: z.enum(['own-message', 'with-digest', 'off']).default('own-message'),
  /** How the summary and the brief judge change (stated in both). */
  brief: BriefSettingsSchema.default(BRIEF_DEFAULTS),
  /** Counts below this are shown as "fewer than N" in channels not cleared for small numbers. */
  smallNumberThreshold: z.number().int().min(0).max(100).default(5),
});

export const MuteSchema = z.strictObject({
  /** A configured channel's name; omitted = every channel. */
  channel: z.string().optional(),
  /** An ONS area code (a ward, or a district: its wards too); omitted = every area. */
  area: gssCode.optional(),
  /** A taxonomy key (its sub-measures too); omitted = every measure. */
  measure: z.string().optional(),
  /** An alert rule id; omitted = every rule. */
  rule: z.string().optional(),
  /** When the window starts (YYYY-MM-DD or an ISO instant); omitted = now. Days are read in `timezone`. */
  from: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/, 'a date as YYYY-MM-DD or an ISO instant')
    .optional(),
  /** When it ends: required, so no mute is forgotten for ever. */
  until: z.string().regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/, 'a date as YYYY-MM-DD or an ISO instant'),
  /** Why: shown in the digest footer. */
  reason: z.string().min(1),
});

const channelBase = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a channel name: lower-case letters, digits, hyphens'),
  partnership: z.string(),
  clearance: ClearanceSchema.default({ smallNumbers: false, sensitive: false }),
  /** Taxonomy keys this channel may see; empty = all measures its clearance allows. */
  measures: z.array(z.string()).default([]),
  /** Mute windows and quiet hours, used by alert delivery. */
  quietHours: z.strictObject({ from: z.string().regex(/^\d{2}:\d{2}$/), to: z.string().regex(/^\d{2}:\d{2}$/) }).optional(),
};

export const ChannelSchema = z.discriminatedUnion('platform', [
  z.strictObject({ ...channelBase, platform: z.literal('local') }),
  z.strictObject({
    ...channelBase,
    platform: z.literal('slack'),
    slackChannelId: z.string().regex(/^[CGD][A-Z0-9]{6,}$/, 'a Slack channel ID such as C0123456789'),
    slackTeamId: z
      .string()
      .regex(/^T[A-Z0-9]+$/, 'a Slack workspace ID such as T0123456789')
      .optional(),
  }),
  z.strictObject({
    ...channelBase,
    platform: z.literal('teams'),
    /** Teams conversation id of the channel (from the bot's installation). */
    teamsConversationId: z.string().min(1),
  }),
  z.strictObject({
    ...channelBase,
    platform: z.literal('teams-webhook'),
    /** The Workflows webhook URL is a secret: give the environment variable that holds it. */
    webhookUrlEnv: envName,
  }),
]);

/** A cron expression (5 fields, or 6 with seconds), read in `timezone`. */
const cronExpression = (example: string) =>
  z.string().refine((v) => cron.validate(v), { message: `expected a cron expression such as "${example}" (minute hour day month weekday)` });

/** The police.uk API watcher (src/watcher/police-uk.ts): new months, fetched ward by ward; revisions by checksum. */
export const PoliceUkApiSchema = z.strictObject({
  /** Off by default: the service then makes no request to police.uk. */
  enabled: z.boolean().default(false),
  /** The API's base URL ($WARDWATCH_POLICE_UK_API overrides it; tests point it at a local fake). */
  baseUrl: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL such as https://data.police.uk/api' }).default('https://data.police.uk/api'),
  /** Average requests a second; police.uk allows 15 (then HTTP 429). */
  ratePerSecond: z.number().positive().max(15, 'at most 15: police.uk refuses more (HTTP 429)').default(10),
  /** Requests that may go at once after a quiet spell; police.uk allows 30. */
  burst: z.number().int().min(1).max(30, 'at most 30: police.uk refuses more (HTTP 429)').default(15),
  /** When to look for a new month (one request unless there is one): three times a working day. */
  cron: cronExpression('15 7,12,17 * * *').default('15 7,12,17 * * *'),
  /** When to fetch recent months again to detect revisions (one request per ward and month). */
  revisionCron: cronExpression('45 7 * * 1').default('45 7 * * 1'),
  /** How many of the latest published months the revision check fetches again. */
  revisionMonths: z.number().int().min(0).max(36).default(3),
  /** Per request. */
  timeoutSeconds: z.number().positive().max(300).default(30),
  /** Retries of one request after a timeout, a 429 or a 5xx. */
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** Requests in flight at once (they share the rate limit). */
  concurrency: z.number().int().min(1).max(8).default(4),
});

/** The data watcher (src/watcher): the inbox folder and the police.uk API. */
export const WatcherSchema = z.strictObject({
  /** Folder whose files are ingested once, then moved to processed/ or rejected/ ($WARDWATCH_INBOX overrides it); relative to the config file. */
  inbox: z.string().min(1).optional(),
  /** When the inbox is looked at. */
  inboxCron: cronExpression('*/5 * * * *').default('*/5 * * * *'),
  /** A file is taken once it has not changed for this long. */
  settleSeconds: z.number().min(0).max(3600).default(10),
  policeUkApi: PoliceUkApiSchema.prefault({}),
});

/** A bound per area type (ingest's plausibility limits: each type's default in src/ingest/validate.ts). */
const boundPerAreaType = z
  .strictObject({
    force: z.number().int().min(1).optional(),
    district: z.number().int().min(1).optional(),
    ward: z.number().int().min(1).optional(),
    lsoa: z.number().int().min(1).optional(),
  })
  .optional();

export const ConfigSchema = z
  .strictObject({
    forceArea: z.strictObject({
      name: z.string().min(1),
      /** Police force slug on police.uk, e.g. "cambridgeshire"; `all` for a national deployment (every force's files). */
      policeUkForce: z
        .string()
        .regex(/^[a-z-]+$/)
        .optional(),
      /**
       * Districts (LADs) in the force area: rows placed outside them are out of area. `all` (a national
       * deployment) = every district in the loaded geography, read as `null`: the geography may arrive after
       * the config, so it is resolved against the store by forceAreaDistricts() (src/config/force-area.ts),
       * which every reader of the force area's districts goes through.
       */
      districts: z.union([z.literal('all'), z.array(gssCode).min(1)]).transform((d): string[] | null => (d === 'all' ? null : d)),
    }),
    /** Accept the synthetic geography's X-prefixed area codes (benchmarks only; never in a real deployment). */
    syntheticGeography: z.boolean().default(false),
    timezone: z.string().default('Europe/London'),
    figures: z
      .strictObject({
        /** No percentage change is shown when the base is below this ("no calc"). */
        noCalcBase: z.number().int().min(0).default(10),
        /** Months shown in trend charts. */
        chartMonths: z.number().int().min(6).max(120).default(24),
      })
      .default({ noCalcBase: 10, chartMonths: 24 }),
    partnerships: z.array(PartnershipSchema).min(1),
    channels: z.array(ChannelSchema).default([]),
    /** Folder of alert rule files, relative to the config file. */
    alertRules: z.string().default('alerts'),
    /**
     * Mute windows for alerts (src/alerting): what matches is held back, never dropped, and posted once
     * when the window ends. Every field given must match (channel, area, measure, rule); none = everything.
     * Chat mutes (`/crime mute ...`) are kept in the store beside these.
     */
    mutes: z.array(MuteSchema).default([]),
    /** When scheduled jobs run, as cron expressions read in `timezone` (5 fields, or 6 with seconds). */
    schedule: z
      .strictObject({
        /** The data check: hands newly landed months to the notices and alerts (police.uk publishes in the working day). */
        dataCheck: z
          .string()
          .refine((v) => cron.validate(v), { message: 'expected a cron expression such as "30 6 * * *" (minute hour day month weekday)' })
          .default('30 6 * * *'),
        /** When scheduled briefs are posted on their day, HH:MM in `timezone` (the brief job runs daily then). */
        briefTime: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24-hour)')
          .default('08:30'),
      })
      .default({ dataCheck: '30 6 * * *', briefTime: '08:30' }),
    /** What ingest refuses as implausible (see src/ingest/validate.ts for the defaults and why). */
    ingest: z
      .strictObject({
        /** The largest count one row of an aggregated partnership extract may give, per area type (one area, measure and month). */
        maxMonthlyCount: boundPerAreaType,
        /**
         * The largest resident population a populations file may give, per area type (defaults in
         * src/ingest/validate.ts; the force area's scales with its districts, to 120 million for `districts: all`).
         */
        maxPopulation: boundPerAreaType,
      })
      .optional(),
    /** First month of data ingest with --fixtures; later months come from `simulate next month`. */
    fixtures: z.strictObject({ lastRealMonth: month.optional() }).optional(),
    /** The data watcher: an inbox folder and the police.uk API (see README "The data watcher"). */
    watcher: WatcherSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    if (!config.syntheticGeography) {
      const synthetic = (path: Array<string | number>, code: string | undefined) => {
        if (code !== undefined && SYNTHETIC_CODE.test(code))
          ctx.addIssue({
            code: 'custom',
            path,
            message: `expected an ONS area code such as E07000008, found the synthetic code "${code}" (set syntheticGeography: true to use the synthetic geography)`,
          });
      };
      config.forceArea.districts?.forEach((c, i) => synthetic(['forceArea', 'districts', i], c));
      config.partnerships.forEach((p, i) => p.areas.forEach((c, j) => synthetic(['partnerships', i, 'areas', j], c)));
      config.mutes.forEach((m, i) => synthetic(['mutes', i, 'area'], m.area));
    }
    const partnershipIds = new Set<string>();
    config.partnerships.forEach((p, i) => {
      if (partnershipIds.has(p.id)) ctx.addIssue({ code: 'custom', path: ['partnerships', i, 'id'], message: `partnership id "${p.id}" is used twice` });
      partnershipIds.add(p.id);
    });
    const channelNames = new Set<string>();
    config.channels.forEach((c, i) => {
      if (channelNames.has(c.name)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'name'], message: `channel name "${c.name}" is used twice` });
      channelNames.add(c.name);
      if (!partnershipIds.has(c.partnership)) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', i, 'partnership'],
          message: `expected one of the partnership ids (${[...partnershipIds].join(', ')}), found "${c.partnership}"`,
        });
      }
    });
    config.partnerships.forEach((p, i) => {
      if (p.chairChannel === undefined) return;
      const chair = config.channels.find((c) => c.name === p.chairChannel);
      if (!chair || chair.partnership !== p.id) {
        const own = config.channels.filter((c) => c.partnership === p.id).map((c) => c.name);
        ctx.addIssue({
          code: 'custom',
          path: ['partnerships', i, 'chairChannel'],
          message: `expected the name of one of this partnership's channels (${own.join(', ') || 'none configured'}), found "${p.chairChannel}"${chair ? ` (a channel of ${chair.partnership})` : ''}`,
        });
      }
    });
    config.mutes.forEach((m, i) => {
      if (m.channel !== undefined && !channelNames.has(m.channel))
        ctx.addIssue({ code: 'custom', path: ['mutes', i, 'channel'], message: `expected one of the channel names (${[...channelNames].join(', ')}), found "${m.channel}"` });
      if (m.from !== undefined && m.from > m.until)
        ctx.addIssue({ code: 'custom', path: ['mutes', i, 'until'], message: `expected a time after \`from\` (${m.from}), found "${m.until}"` });
    });
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: config.timezone });
    } catch {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `expected an IANA time zone such as Europe/London, found "${config.timezone}"` });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;
export type Partnership = z.infer<typeof PartnershipSchema>;
export type ChannelConfig = z.infer<typeof ChannelSchema>;
export type Clearance = z.infer<typeof ClearanceSchema>;
export type MuteConfig = z.infer<typeof MuteSchema>;
export type WatcherConfig = z.infer<typeof WatcherSchema>;
