// The configuration file's schema. Types are inferred from it; nothing else defines config shape.
import cron from 'node-cron';
import { z } from 'zod';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');
const isoDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'a date as YYYY-MM-DD');
const gssCode = z.string().regex(/^[EWSN]\d{8}$/, 'an ONS area code such as E07000008');
const envName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'an environment variable name (secrets never go in this file)');
const calendarMonthNumber = z.number().int().min(1, 'a month number 1-12').max(12, 'a month number 1-12');

export const ClearanceSchema = z.strictObject({
  /** May see counts below the partnership's small-number threshold. */
  smallNumbers: z.boolean().default(false),
  /** May see measures marked sensitive in the taxonomy (sexual offences, domestic abuse, hate crime). */
  sensitive: z.boolean().default(false),
});

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
  /** Days before each meeting date to post the brief. */
  briefDaysBefore: z.number().int().min(0).max(60).default(5),
  /** Counts below this are shown as "fewer than N" in channels not cleared for small numbers. */
  smallNumberThreshold: z.number().int().min(0).max(100).default(5),
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

export const ConfigSchema = z
  .strictObject({
    forceArea: z.strictObject({
      name: z.string().min(1),
      /** Police force slug on police.uk, e.g. "cambridgeshire". */
      policeUkForce: z
        .string()
        .regex(/^[a-z-]+$/)
        .optional(),
      /** Districts (LADs) in the force area: rows placed outside them are out of area. */
      districts: z.array(gssCode).min(1),
    }),
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
    /** When scheduled jobs run, as cron expressions read in `timezone` (5 fields, or 6 with seconds). */
    schedule: z
      .strictObject({
        /** The data check: hands newly landed months to the notices and alerts (police.uk publishes in the working day). */
        dataCheck: z
          .string()
          .refine((v) => cron.validate(v), { message: 'expected a cron expression such as "30 6 * * *" (minute hour day month weekday)' })
          .default('30 6 * * *'),
      })
      .default({ dataCheck: '30 6 * * *' }),
    /** What ingest refuses as implausible (see src/ingest/validate.ts for the defaults and why). */
    ingest: z
      .strictObject({
        /** The largest count one row of an aggregated partnership extract may give, per area type (one area, measure and month). */
        maxMonthlyCount: z
          .strictObject({
            force: z.number().int().min(1).optional(),
            district: z.number().int().min(1).optional(),
            ward: z.number().int().min(1).optional(),
            lsoa: z.number().int().min(1).optional(),
          })
          .optional(),
      })
      .optional(),
    /** First month of data ingest with --fixtures; later months come from `simulate next month`. */
    fixtures: z.strictObject({ lastRealMonth: month.optional() }).optional(),
  })
  .superRefine((config, ctx) => {
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
