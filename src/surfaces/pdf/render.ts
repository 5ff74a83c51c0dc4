// The chair's brief as a PDF people can file: A4, several pages, page numbers, table headers repeated on
// every page a table runs onto, the licence lines, the charts and the ward map as PNGs from the one chart
// renderer. pdfkit 0.20 (no browser, no system packages; research round2 section 5) with the DejaVu fonts
// the charts use, so £, – and ’ render and no system font is ever needed. The model (src/brief) has
// already left out what the channel may not see; this module only lays it out.
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { monthName } from '../../core/periods.ts';
import type { ChartRequest } from '../../core/reply.ts';
import type { BriefModel } from '../../brief/brief.ts';
import { formatCount, formatRate } from '../../figures/wording.ts';

export type PdfChartRenderer = (request: ChartRequest, options: { size: 'full' | 'compact' }) => Buffer | Uint8Array | Promise<Buffer | Uint8Array>;

export interface PdfOptions {
  /** Draws the model's charts and map (src/service/charts.ts chartRendererFor); without one, charts are left out with a note. */
  renderChart?: PdfChartRenderer;
  /** Called as each part is laid out (the CLI shows it). */
  onProgress?: (done: number, total: number, label: string) => void;
}

const require = createRequire(import.meta.url);
const FONT = { regular: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'), bold: require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf') };

const PAGE = { margin: 48, bottom: 58 };
const COLOURS = { text: '#1a1a1a', muted: '#555555', rule: '#c8c8c8', zebra: '#f2f5f8', header: '#1f3a5f', headerText: '#ffffff', priority: '#fff4d6', accent: '#1f3a5f' };

type Doc = PDFKit.PDFDocument;

interface Column {
  header: string;
  width: number; // fraction of the content width
  align?: 'left' | 'right';
}

class Layout {
  constructor(readonly doc: Doc) {}

  get left(): number {
    return PAGE.margin;
  }
  get width(): number {
    return this.doc.page.width - 2 * PAGE.margin;
  }
  get bottom(): number {
    return this.doc.page.height - PAGE.bottom;
  }

  /** Starts a new page when fewer than `h` points are left. */
  ensure(h: number): void {
    if (this.doc.y + h > this.bottom) this.doc.addPage();
  }

  heading(text: string, level: 1 | 2 = 1): void {
    const size = level === 1 ? 15 : 11.5;
    this.ensure(size * 3.2);
    if (level === 1) this.doc.moveDown(0.6);
    else this.doc.moveDown(0.35);
    this.doc.font('bold').fontSize(size).fillColor(COLOURS.accent).text(text, this.left, this.doc.y, { width: this.width });
    if (level === 1) {
      const y = this.doc.y + 2;
      this.doc
        .moveTo(this.left, y)
        .lineTo(this.left + this.width, y)
        .lineWidth(0.8)
        .strokeColor(COLOURS.accent)
        .stroke();
      this.doc.y = y + 6;
    } else this.doc.moveDown(0.2);
    this.doc.fillColor(COLOURS.text);
  }

  para(text: string, options: { size?: number; muted?: boolean; bold?: boolean; gap?: number } = {}): void {
    const size = options.size ?? 9.5;
    this.doc.font(options.bold ? 'bold' : 'regular').fontSize(size);
    const h = this.doc.heightOfString(text, { width: this.width });
    this.ensure(Math.min(h, 60));
    this.doc
      .fillColor(options.muted ? COLOURS.muted : COLOURS.text)
      .text(text, this.left, this.doc.y, { width: this.width, lineGap: 1.5 })
      .fillColor(COLOURS.text);
    this.doc.moveDown(options.gap ?? 0.35);
  }

  bullets(items: string[], options: { size?: number; muted?: boolean } = {}): void {
    const size = options.size ?? 9.5;
    for (const item of items) {
      this.doc.font('regular').fontSize(size);
      const h = this.doc.heightOfString(item, { width: this.width - 12 });
      this.ensure(Math.min(h, 40));
      const y = this.doc.y;
      this.doc.fillColor(options.muted ? COLOURS.muted : COLOURS.text).text('•', this.left, y, { width: 10 });
      this.doc.text(item, this.left + 12, y, { width: this.width - 12, lineGap: 1.2 });
      this.doc.moveDown(0.2);
    }
    this.doc.fillColor(COLOURS.text).moveDown(0.2);
  }

  /** A table; its header row is drawn again at the top of every page it runs onto. */
  table(columns: Column[], rows: string[][], options: { size?: number; highlight?: (i: number) => boolean; caption?: string } = {}): void {
    const size = options.size ?? 8.5;
    const pad = 3.5;
    const widths = columns.map((c) => c.width * this.width);
    const rowHeight = (cells: string[], font: 'regular' | 'bold') => {
      this.doc.font(font).fontSize(size);
      return Math.max(...cells.map((c, i) => this.doc.heightOfString(c || ' ', { width: widths[i]! - 2 * pad }))) + 2 * pad;
    };
    const drawRow = (cells: string[], y: number, h: number, kind: 'header' | 'body', fill: string | null) => {
      if (fill) this.doc.rect(this.left, y, this.width, h).fill(fill);
      let x = this.left;
      this.doc
        .font(kind === 'header' ? 'bold' : 'regular')
        .fontSize(size)
        .fillColor(kind === 'header' ? COLOURS.headerText : COLOURS.text);
      cells.forEach((c, i) => {
        this.doc.text(c, x + pad, y + pad, { width: widths[i]! - 2 * pad, align: columns[i]!.align ?? 'left', lineBreak: true });
        x += widths[i]!;
      });
      this.doc.fillColor(COLOURS.text);
    };
    const header = columns.map((c) => c.header);
    const headerH = rowHeight(header, 'bold');
    const drawHeader = () => {
      const y = this.doc.y;
      drawRow(header, y, headerH, 'header', COLOURS.header);
      this.doc.y = y + headerH;
    };
    if (options.caption) {
      this.doc.font('bold').fontSize(9);
      this.ensure(headerH + rowHeight(rows[0] ?? header, 'regular') + 16);
      this.doc.text(options.caption, this.left, this.doc.y, { width: this.width });
      this.doc.moveDown(0.2);
    }
    this.ensure(headerH + rowHeight(rows[0] ?? header, 'regular'));
    drawHeader();
    rows.forEach((cells, i) => {
      const h = rowHeight(cells, 'regular');
      if (this.doc.y + h > this.bottom) {
        this.doc.addPage();
        drawHeader();
      }
      const y = this.doc.y;
      drawRow(cells, y, h, 'body', options.highlight?.(i) ? COLOURS.priority : i % 2 ? COLOURS.zebra : null);
      this.doc
        .moveTo(this.left, y + h)
        .lineTo(this.left + this.width, y + h)
        .lineWidth(0.3)
        .strokeColor(COLOURS.rule)
        .stroke();
      this.doc.y = y + h;
    });
    this.doc.x = this.left;
    this.doc.moveDown(0.5);
  }

  image(png: Buffer, caption: string, alt: string): void {
    // PNG size from its IHDR chunk (bytes 16-23), so the height is known before the page break.
    const img = { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
    const w = this.width;
    const h = (img.height / img.width) * w;
    this.ensure(h + 40);
    const y = this.doc.y;
    this.doc.image(png, this.left, y, { width: w });
    this.doc.y = y + h + 4;
    this.para(caption, { size: 8.5, bold: true, gap: 0.1 });
    this.para(`Chart description: ${alt}`, { size: 8, muted: true, gap: 0.6 });
  }
}

/** The brief as PDF bytes. */
export async function renderBriefPdf(model: BriefModel, options: PdfOptions = {}): Promise<Buffer> {
  const created = new Date(model.generatedAt);
  const title = `Chair's brief: ${model.partnership.name}${model.meeting ? `, meeting ${model.meeting.words}` : ''}`;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: PAGE.margin, left: PAGE.margin, right: PAGE.margin, bottom: PAGE.bottom },
    bufferPages: true,
    autoFirstPage: true,
    lang: 'en-GB',
    displayTitle: true,
    info: {
      Title: title,
      Author: 'Wardwatch',
      Subject: `Figures to ${model.coverage.dataTo}`,
      Creator: 'Wardwatch',
      Producer: 'Wardwatch (pdfkit)',
      CreationDate: created,
      ModDate: created,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', FONT.regular);
  doc.registerFont('bold', FONT.bold);
  doc.font('regular').fillColor(COLOURS.text);
  const L = new Layout(doc);
  const images = [...model.charts.map((c) => c.request), ...(model.map ? [model.map.request] : [])];
  const steps = 8 + images.length;
  let step = 0;
  const progress = (label: string) => options.onProgress?.(++step, steps, label);

  // Cover
  progress('cover');
  doc.font('bold').fontSize(22).fillColor(COLOURS.accent).text("Chair's brief", L.left, 70, { width: L.width });
  doc.moveDown(0.2);
  doc.font('bold').fontSize(14).fillColor(COLOURS.text).text(model.partnership.name, { width: L.width });
  doc.moveDown(0.8);
  const p = model.periods;
  const cover: Array<[string, string]> = [
    ['Meeting', model.meeting ? model.meeting.words : 'no meeting date given'],
    [
      'Period covered',
      `${cap(p.current.label)} (${monthName(p.current.from)} to ${monthName(p.current.to)}), against the ${p.previous.label}; longer-term trend against the ${p.base.label}`,
    ],
    ['Reporting year', `${p.reportingYear.label} is the latest complete one${p.reportingYearToDate ? `; ${p.reportingYearToDate.label} so far` : ''}`],
    ['Data published to', `${model.coverage.dataTo} (police.uk)`],
    ['Area', `${model.areaName}${model.countyName ? `, compared with ${model.countyName}` : ''}`],
    [
      'Drawn for',
      `#${model.channel.name}: ${model.channel.smallNumbers ? 'cleared for small numbers' : 'partnership figures adjusted (small ones not shown)'}, ${model.channel.sensitive ? 'sensitive measures shown' : 'sensitive measures not shown'}`,
    ],
    ['Prepared', `${created.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })} by Wardwatch`],
  ];
  L.table(
    [
      { header: 'Brief', width: 0.24 },
      { header: '', width: 0.76 },
    ],
    cover.map(([k, v]) => [k, v]),
    { size: 9.5 },
  );
  L.heading('Headline');
  L.bullets(model.headline);
  L.heading('Largest rises and falls', 2);
  L.bullets([...model.largest.rises.map((s) => `Rise: ${s}`), ...model.largest.falls.map((s) => `Fall: ${s}`)]);
  L.para(model.largest.rule, { size: 8, muted: true });
  L.heading('What the figures cover', 2);
  L.bullets(model.coverage.words, { size: 9 });

  // Scanning table
  progress('scanning table');
  doc.addPage();
  L.heading(`Scanning table: ${p.current.label}`);
  L.para(
    `Count in the ${p.current.label}; change on the ${p.previous.label} as (%, n); longer-term trend against the ${p.base.label}; rate per 1,000 residents against ${model.countyName ?? 'the county'}. Priority measures are shaded.`,
    { size: 8.5, muted: true },
  );
  L.table(
    [
      { header: 'Measure', width: 0.31 },
      { header: p.current.short, width: 0.1, align: 'right' },
      { header: `On ${p.previous.short}`, width: 0.15, align: 'right' },
      { header: `On ${p.base.short}`, width: 0.15, align: 'right' },
      { header: 'Rate per 1,000', width: 0.09, align: 'right' },
      { header: model.countyName ? 'County rate' : 'Rate', width: 0.09, align: 'right' },
      { header: 'Flag', width: 0.11 },
    ],
    model.scanning.map((r) => [
      `${r.label}${r.priority ? ' *' : ''}`,
      r.currentText,
      r.changeText.replace(/^\(|\)$/g, ''),
      r.longTermText.replace(/^\(|\)$/g, ''),
      r.rateText,
      r.countyRateText,
      r.flagText,
    ]),
    { highlight: (i) => model.scanning[i]!.priority },
  );
  L.para('* a priority of the partnership.', { size: 8, muted: true, gap: 0.2 });
  L.heading('How the flags are set', 2);
  L.bullets(model.flagRules, { size: 8.5 });

  // Priorities
  progress('priorities');
  L.heading('Priorities');
  L.bullets(model.priorities.map((x) => x.sentence));

  // Ward changes
  progress('ward changes');
  L.heading('Notable ward changes');
  L.para(model.wardRule, { size: 8.5, muted: true });
  for (const w of model.wardChanges) {
    L.heading(w.label, 2);
    const lines: string[] = [];
    lines.push(w.rises.length ? `Increases: ${w.rises.map((x) => x.text).join(', ')}.` : 'Increases: none notable.');
    lines.push(w.falls.length ? `Decreases: ${w.falls.map((x) => x.text).join(', ')}.` : 'Decreases: none notable.');
    lines.push(`${w.counts.up} of ${w.counts.wards} wards rose and ${w.counts.down} fell.`);
    if (w.note) lines.push(w.note);
    L.bullets(lines, { size: 9 });
  }

  // Map and hotspots
  progress('ward map');
  const mapPng = model.map && options.renderChart ? toBuffer(await options.renderChart(model.map.request, { size: 'full' })) : null;
  // The heading goes with the map: a page break between them would leave it alone at the foot of a page.
  if (mapPng) L.ensure((mapPng.readUInt32BE(20) / mapPng.readUInt32BE(16)) * L.width + 110);
  L.heading('Ward map and hotspots');
  if (model.map && mapPng) {
    L.image(mapPng, model.map.request.title, model.map.alt);
  } else L.para(model.map ? 'The ward map could not be drawn here.' : 'No ward map: no ward boundaries are loaded for this area.', { muted: true });
  progress('hotspots');
  if (model.hotspots.length) {
    L.table(
      [
        { header: 'Measure', width: 0.22 },
        { header: 'Ward', width: 0.18 },
        { header: 'Count', width: 0.12, align: 'right' },
        { header: 'Rate per 1,000', width: 0.14, align: 'right' },
        { header: 'District rate', width: 0.14, align: 'right' },
        { header: 'Times the district', width: 0.2, align: 'right' },
      ],
      model.hotspots.flatMap((g) => g.wards.map((w) => [g.label, w.name, formatCount(w.count), formatRate(w.rate), formatRate(w.parentRate), w.ratio.toFixed(1)])),
      { caption: `Hotspots, ${p.current.label}` },
    );
  } else L.para(`No ward stands out as a hotspot in the ${p.current.label}.`);
  L.para(model.hotspotRule, { size: 8, muted: true });

  // Alerts
  progress('alerts');
  L.heading(`Alerts since ${model.meeting?.previous ? `the last meeting (${model.meeting.previous})` : monthName(model.alerts.since)}`);
  if (!model.alerts.available) L.para(model.alerts.note ?? 'Alert history is not available.', { muted: true });
  else if (!model.alerts.items.length) L.para(model.alerts.note ?? 'No alerts.', { muted: true });
  else
    L.table(
      [
        { header: 'From', width: 0.11 },
        { header: 'Area', width: 0.14 },
        { header: 'Measure', width: 0.16 },
        { header: 'What it said', width: 0.3 },
        { header: 'State', width: 0.11 },
        { header: 'Acknowledged by', width: 0.18 },
      ],
      model.alerts.items.map((a) => [monthName(a.sinceMonth), a.areaName, a.measureLabel, a.headline, a.state, a.acknowledged ?? 'not acknowledged']),
    );
  if (model.alerts.leftOut)
    L.para(`${model.alerts.leftOut} alert${model.alerts.leftOut === 1 ? '' : 's'} on measures this channel may not see ${model.alerts.leftOut === 1 ? 'is' : 'are'} left out.`, {
      muted: true,
    });

  // Charts
  progress('charts');
  if (model.charts.length) {
    doc.addPage();
    L.heading('Charts');
    for (const c of model.charts) {
      progress(`chart: ${c.caption}`);
      if (!options.renderChart) continue;
      L.image(toBuffer(await options.renderChart(c.request, { size: 'full' })), c.caption, c.alt);
    }
    if (!options.renderChart) L.para('Charts are not drawn in this copy.', { muted: true });
  }

  // Caveats and sources
  progress('caveats');
  L.heading('Caveats');
  L.bullets(model.caveats, { size: 8.5 });
  if (model.notes.length) L.bullets(model.notes, { size: 8.5, muted: true });
  L.heading('Sources and licences', 2);
  L.bullets(model.licence, { size: 8.5 });

  // Footers: page x of y and the licence line on every page (drawn in the bottom margin, so the margin is lifted while drawing).
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    const y = doc.page.height - PAGE.bottom + 14;
    doc
      .moveTo(L.left, y - 4)
      .lineTo(L.left + L.width, y - 4)
      .lineWidth(0.4)
      .strokeColor(COLOURS.rule)
      .stroke();
    doc.font('regular').fontSize(7).fillColor(COLOURS.muted);
    doc.text(`${model.partnership.name}: chair's brief${model.meeting ? `, ${model.meeting.date}` : ''}; data to ${model.coverage.dataTo}`, L.left, y, {
      width: L.width * 0.85,
      height: 9,
      ellipsis: true,
    });
    doc.text(`Page ${i - range.start + 1} of ${range.count}`, L.left + L.width * 0.85, y, { width: L.width * 0.15, align: 'right', height: 9 });
    doc.text(`Contains public sector information licensed under the Open Government Licence v3.0. Drawn for #${model.channel.name}.`, L.left, y + 10, {
      width: L.width,
      height: 9,
      ellipsis: true,
    });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}

function toBuffer(b: Buffer | Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
