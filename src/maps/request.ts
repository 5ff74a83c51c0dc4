// Builds a MapRequest from ward figures: the values (rate per 1,000, or the count without
// populations), the classes over the values shown, which wards to label, and, from the geometry,
// where each ward lies and which flagged wards are neighbours. Pure: no store, no canvas.
import type { MapRequest, MapWard } from '../core/reply.ts';
import { classify, classLabels, type ClassMethod } from './classify.ts';
import { adjacentPairs, relativePositions, type MapGeometry } from './geometry.ts';

export interface MapWardInput {
  code: string;
  name: string;
  district?: string;
  count: number | null;
  population: number | null;
  /** Hidden in this channel (small-number suppression): no value and no class reaches the request. */
  hidden?: 'small-number' | 'secondary';
  hotspot?: boolean;
  emerging?: boolean;
  emphasised?: boolean;
}

export interface MapInput {
  title: string;
  subtitle?: string;
  areaName: string;
  measureLabel: string;
  period: string;
  unit: MapRequest['unit'];
  method?: ClassMethod;
  wards: MapWardInput[];
  districts?: Array<{ code: string; name: string }>;
  legend?: MapRequest['legend'];
  notes?: string[];
  attribution?: string;
  source: string;
  /** How many of the highest wards to label, besides the asked-about ward and the hotspots (default: 5, 8 over 40 wards). */
  topLabels?: number;
}

/** The wards' values, classes and labels, as the map request carries them. */
export function buildMapRequest(input: MapInput, geometry?: MapGeometry): MapRequest {
  const valueOf = (w: MapWardInput): number | null => {
    if (w.hidden || w.count === null) return null;
    if (input.unit === 'count') return w.count;
    return w.population && w.population > 0 ? (w.count / w.population) * 1000 : null;
  };
  const values = input.wards.map(valueOf);
  const method = input.method ?? 'jenks';
  const classes = classify(values, method);
  const labels = classLabels(classes.classes, input.unit === 'count' ? 'count' : 'rate');
  const positions = geometry
    ? relativePositions(
        geometry,
        input.wards.map((w) => w.code),
      )
    : new Map<string, [number, number]>();

  // Label priority: the asked-about ward, then hotspots and emerging hotspots by value, then the
  // highest values.
  const top = input.topLabels ?? (input.wards.length > 40 ? 8 : 5);
  const order = input.wards
    .map((w, i) => ({ w, v: values[i] ?? null }))
    .sort(
      (a, b) =>
        Number(!!b.w.emphasised) - Number(!!a.w.emphasised) ||
        Number(!!(b.w.hotspot || b.w.emerging)) - Number(!!(a.w.hotspot || a.w.emerging)) ||
        (b.v ?? -Infinity) - (a.v ?? -Infinity) ||
        a.w.name.localeCompare(b.w.name),
    );
  const labelOf = new Map<string, number>();
  let highest = 0;
  for (const { w, v } of order) {
    const flagged = w.emphasised || w.hotspot || w.emerging;
    if (!flagged) {
      if (v === null || highest >= top) continue;
      highest++;
    }
    labelOf.set(w.code, labelOf.size + 1);
  }

  const wards: MapWard[] = input.wards.map((w, i) => {
    const hidden = w.hidden;
    const out: MapWard = {
      code: w.code,
      name: w.name,
      ...(w.district ? { district: w.district } : {}),
      value: hidden ? null : roundValue(values[i] ?? null),
      class: hidden ? null : (classes.classOf[i] ?? null),
    };
    if (hidden) out.hidden = hidden;
    if (w.hotspot) out.hotspot = true;
    if (w.emerging) out.emerging = true;
    if (w.emphasised) out.emphasised = true;
    if (labelOf.has(w.code)) out.label = labelOf.get(w.code)!;
    const at = positions.get(w.code);
    if (at) out.at = at;
    return out;
  });
  const flagged = input.wards.filter((w) => w.hotspot || w.emerging).map((w) => w.code);
  const adjacency = geometry && flagged.length > 1 ? adjacentPairs(geometry, flagged) : [];
  return {
    kind: 'map',
    title: input.title,
    ...(input.subtitle ? { subtitle: input.subtitle } : {}),
    areaName: input.areaName,
    measureLabel: input.measureLabel,
    period: input.period,
    unit: input.unit,
    method,
    classes: classes.classes.map((c, i) => ({ from: roundValue(c.from)!, to: roundValue(c.to)!, label: labels[i]!, count: c.count })),
    wards,
    ...(input.districts?.length ? { districts: input.districts } : {}),
    ...(adjacency.length ? { adjacency } : {}),
    ...(input.legend ? { legend: input.legend } : {}),
    ...(input.notes?.length ? { notes: input.notes } : {}),
    ...(input.attribution ? { attribution: input.attribution } : {}),
    source: input.source,
  };
}

/** Values to 4 decimal places: enough for the legend and the classes, and a small request. */
function roundValue(v: number | null): number | null {
  return v === null ? null : Math.round(v * 10000) / 10000;
}
