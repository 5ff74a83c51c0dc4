// The platform-neutral reply every command returns and every surface renders
// (Block Kit, Adaptive Card, the local channel page, CLI text). Nothing here knows a platform.
import type { Month } from './periods.ts';

export interface AreaRef {
  code: string;
  name: string;
  type: 'force' | 'district' | 'ward' | 'lsoa';
  parent?: { code: string; name: string; type: string } | undefined;
}

export interface MeasureRef {
  key: string;
  label: string;
  source: 'police.uk' | 'partnership' | 'composite';
}

/** One key figure: the number, the period it covers, and the sentence that says it. */
export interface Figure {
  id: string; // stable: 'latest-month', 'year-ending', 'rate', 'rank', ...
  label: string; // short label for a field: "April 2024", "Year ending Apr 2024"
  value: number | null; // null when suppressed or not computable
  display: string; // what is shown: "345", "fewer than 5", "12.3 per 1,000"
  period: string; // the period in words
  wording: string; // the sentence: "345 offences in April 2024, up 8% (+25) on March"
  suppressed?: boolean;
  /** What part of the figure stands on synthetic data, said beside it: "synthetic", "against a synthetic April 2023". */
  synthetic?: string;
}

export interface SeriesPoint {
  month: Month;
  count: number | null; // null when suppressed
  expected?: number | null;
  upperbound?: number | null;
  alarm?: boolean;
  synthetic?: boolean;
}

/** What a chart should show; the chart module turns it into a PNG. */
export type ChartRequest =
  | {
      kind: 'trend';
      title: string;
      subtitle?: string;
      areaName: string;
      measureLabel: string;
      series: SeriesPoint[];
      rollingAverage?: boolean; // draw the rolling average (default true)
      /** Months to show, counting back from the last point (default 24); earlier points feed the rolling average. */
      months?: number;
      /** Rolling-average window in months (default 12). */
      rollingWindow?: number;
      /** The whole series is estimated or synthetic: the chart carries a badge. */
      estimated?: boolean;
      /**
       * What each point is: the month's count (default), or the total of the 12 months ending that
       * month (drawn where small numbers would hide most monthly counts; no rolling average then).
       */
      values?: 'monthly' | 'rolling-12-month-total';
      source: string;
    }
  | {
      kind: 'ranking';
      title: string;
      subtitle?: string;
      measureLabel: string;
      period: string;
      /** `hotspot`: over the whole period; `emerging`: in its last month only (labelled so, not "hotspot"). */
      bars: Array<{ code: string; name: string; rate: number; count: number | null; hotspot?: boolean; emerging?: boolean; emphasised?: boolean }>;
      reference?: { label: string; rate: number };
      /** Some of the figures stand on synthetic data: the PNG carries a badge and this line. */
      synthetic?: string;
      source: string;
    }
  | {
      kind: 'year-ending';
      title: string;
      subtitle?: string;
      periods: string[]; // e.g. ['YE Apr 2023', 'YE Apr 2024']
      groups: Array<{ label: string; values: Array<number | null> }>; // one value per period
      /** Index into periods of the longer-term base year (default 0 when there are 3 or more periods). */
      basePeriod?: number;
      /** What the values count, for the axis: "Offences" (default "Count"). */
      measureLabel?: string;
      /** No percentage change on a base below this ("no calc"); default 10 (config figures.noCalcBase). */
      noCalcBase?: number;
      /** Some of the values stand on synthetic data: the PNG carries a badge and this line. */
      synthetic?: string;
      source: string;
    }
  | {
      kind: 'compare';
      title: string;
      subtitle?: string;
      measureLabel: string;
      unit: 'rate per 1,000' | 'count';
      lines: Array<{ name: string; points: Array<{ month: Month; value: number | null; synthetic?: boolean }> }>;
      source: string;
    }
  | {
      kind: 'brief';
      title: string;
      subtitle?: string;
      panels: ChartRequest[];
      source: string;
    }
  | MapRequest;

/**
 * A ward map (choropleth): what to show, not the geometry. Small and JSON-serialisable, so it can be
 * stored and drawn on demand by any replica; src/maps/ loads the ward boundaries by code to draw it.
 */
export interface MapRequest {
  kind: 'map';
  title: string;
  subtitle?: string;
  /** The area mapped: "Cambridge", "Cambridgeshire Constabulary". */
  areaName: string;
  measureLabel: string;
  /** The period in words: "year ending April 2024". */
  period: string;
  /** What the colours show: the rate per 1,000 residents, or the count where there is no population. */
  unit: 'rate per 1,000' | 'count';
  /** How the classes were made (stated in the legend). */
  method: 'jenks' | 'quantile';
  /** The legend's classes, lowest first: each ward's `class` indexes this list. */
  classes: Array<{ from: number; to: number; label: string; count: number }>;
  wards: MapWard[];
  /** Districts whose outlines are drawn (a ward's `district`), with names for the text alternative. */
  districts?: Array<{ code: string; name: string }>;
  /** Pairs of flagged wards (hotspots, emerging hotspots) that share a boundary, for the text alternative. */
  adjacency?: Array<[string, string]>;
  /** Legend words: what a hidden ward means, and the hotspot periods. */
  legend?: {
    small?: string; // "Fewer than 5 offences (not shown)"
    secondary?: string; // "Not shown, so a small number cannot be worked out"
    noData?: string; // "No population: no rate"
    hotspot?: string; // "Hotspot, year ending April 2024"
    emerging?: string; // "Emerging hotspot, April 2024"
  };
  /** Short notes above the attribution lines. */
  notes?: string[];
  /** The boundary licence line (defaults to the ONS/OS attribution). */
  attribution?: string;
  /** The data source line, as the other charts give it. */
  source: string;
}

export interface MapWard {
  code: string;
  name: string;
  district?: string;
  /** The value coloured (rate per 1,000 or count); null when hidden or not available. */
  value: number | null;
  /** Index into `classes`; null when hidden or not available (never set for a hidden ward). */
  class: number | null;
  /** Hidden in this channel: a small number, or a value that would give one away. */
  hidden?: 'small-number' | 'secondary';
  hotspot?: boolean;
  emerging?: boolean;
  /** The ward asked about. */
  emphasised?: boolean;
  /** Label priority (1 first) for the wards worth naming on the map: the asked-about ward, hotspots, the highest. */
  label?: number;
  /** Where the ward lies in the area, 0..1 from the west and from the north (for the text alternative). */
  at?: [number, number];
}

/** A follow-up the user can take: a button where the platform has them. */
export interface Action {
  label: string;
  command: string; // the text after /crime that the button runs, e.g. "market ward by type"
}

export interface Reply {
  kind: 'answer' | 'help' | 'error' | 'choices' | 'brief' | 'alerts';
  title: string;
  summary?: string; // one or two sentences in the seeds' voice
  figures: Figure[];
  table?: { columns: string[]; rows: string[][] };
  chart?: ChartRequest;
  chartAlt?: string; // text alternative for the chart
  notes: string[]; // data source, period, caveats: each said once, shortest first
  /**
   * How the figures were made (the tests, the methods, how wards were placed): shown under "About
   * these figures", collapsed where the surface can (a <details>, a Slack follow-up), after the notes.
   */
  about?: string[];
  actions: Action[];
  /** Structured detail for --json and for tests. */
  data?: Record<string, unknown>;
  /** Whether the answer must not be shown in channel (errors, help, "private"). */
  ephemeral?: boolean;
  /** A document that goes with the reply (the chair's brief as a PDF), drawn on demand by the surface as charts are. */
  attachment?: ReplyAttachment;
}

/**
 * What to draw, not the bytes: small and JSON-serialisable, so the outbox can store it and any replica
 * can render it when it posts (Slack uploads the file; Teams and the local page link to it).
 */
export interface ReplyAttachment {
  kind: 'brief-pdf';
  /** Partnership id. */
  partnership: string;
  /** The configured channel the document is drawn for: its clearance and measures decide what it shows. */
  channel: string;
  /** The latest month of data the brief uses ('YYYY-MM'). */
  month: Month;
  /** The meeting the brief is for (YYYY-MM-DD), if any. */
  meetingDate?: string | null;
  /** "cambridge-brief-2026-02-24.pdf" */
  filename: string;
  /** The document's title, for a link or the uploaded file's title. */
  title: string;
}

export function errorReply(title: string, message: string, actions: Action[] = []): Reply {
  return { kind: 'error', title, summary: message, figures: [], notes: [], actions, ephemeral: true };
}
