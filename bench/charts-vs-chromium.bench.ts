// `npm run bench` -> charts-vs-chromium: chart render and encode per kind (full size, 1000x500), side by
// side in one run with headless Chromium drawing the same Chart.js configuration:
//   - wardwatch: chart.js on @napi-rs/canvas, our PNG encoder, on this thread (warm), and through the
//     chart pool (a worker thread, the way the service draws: request posted, PNG back);
//   - chromium-warm: one page kept open, Chart.js loaded once; each image is `new Chart` on a canvas and
//     `canvas.toDataURL('image/png')`, decoded to bytes here;
//   - chromium-launch: a browser launched per image, page, Chart.js, draw, PNG, close (how Grafana's image
//     renderer works without its browser reuse).
// The configuration crosses into the page as JSON, so its callbacks (tick formatters, legend labels) and
// Wardwatch's frame plugin (title band, notes, source line) stay behind: the browser draws a little less
// than we do. Same data, datasets, scales, sizes and font (DejaVu Sans, embedded in the page).
// Chromium: $CHROMIUM, else /usr/bin/chromium; left out (with a note) when absent. Driven by playwright-core
// (already a devDependency, for the browser test).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { ChartRequest } from '../src/core/reply.ts';
import type { Benchmark } from '../src/surfaces/cli/verbs/bench.ts';
import { loadNow, round, summarise } from './support/stats.ts';

const require = createRequire(import.meta.url);

function pageHtml(): string {
  const font = (file: string, weight: string) =>
    `@font-face { font-family: WardwatchSans; font-weight: ${weight}; src: url(data:font/ttf;base64,${readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`)).toString('base64')}) format('truetype'); }`;
  return `<!doctype html><html><head><style>${font('DejaVuSans.ttf', 'normal')}${font('DejaVuSans-Bold.ttf', 'bold')} body { margin: 0 }</style></head>
<body><canvas id="c" width="1000" height="500" style="font-family: WardwatchSans"></canvas></body></html>`;
}

/** In the page: wait for the font, then draw(json) makes a chart on the canvas and returns its PNG as a data URL. */
const PAGE_SCRIPT = `
window.ready = async () => {
  await document.fonts.load('12px WardwatchSans');
  await document.fonts.load('bold 12px WardwatchSans');
  Chart.defaults.font.family = 'WardwatchSans';
};
window.draw = (json) => {
  const canvas = document.getElementById('c');
  const config = JSON.parse(json);
  config.options = { ...(config.options || {}), responsive: false, animation: false, devicePixelRatio: 1, events: [] };
  const chart = new Chart(canvas.getContext('2d'), config);
  const png = canvas.toDataURL('image/png');
  chart.destroy();
  return png;
};`;

/** Chart.js in the page, and the drawing function. */
async function preparePage(page: Page): Promise<void> {
  await page.setContent(pageHtml());
  await page.addScriptTag({ content: readFileSync(join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'), 'utf8') });
  await page.addScriptTag({ content: PAGE_SCRIPT });
  await page.evaluate('ready()');
}

async function drawIn(page: Page, json: string): Promise<Buffer> {
  const url = await page.evaluate((j) => (globalThis as unknown as { draw: (json: string) => string }).draw(j), json);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

const bench: Benchmark = async ({ log, quick }) => {
  const { renderChart } = await import('../src/charts/index.ts');
  const { exampleRequests } = await import('../src/charts/examples.ts');
  const { LAYOUTS } = await import('../src/charts/frame.ts');
  const { specFor } = await import('../src/charts/spec.ts');
  const { ChartPool } = await import('../src/charts/pool.ts');
  const runs = quick ? 8 : 40;
  const launches = quick ? 2 : 5;
  const executable = process.env.CHROMIUM?.trim() || '/usr/bin/chromium';
  const haveChromium = existsSync(executable);
  if (!haveChromium) log(`Chromium left out: ${executable} not found (set CHROMIUM)`);
  const kinds = Object.entries(exampleRequests()).filter(([, r]) => r.kind !== 'brief' && r.kind !== 'map') as Array<[string, Exclude<ChartRequest, { kind: 'brief' | 'map' }>]>;
  const pool = new ChartPool({ workers: 1 });
  let browser: Browser | null = null;
  const results: Record<string, unknown> = {};
  const loadStart = loadNow();
  try {
    let page: Page | null = null;
    let chromium: typeof import('playwright-core').chromium | null = null;
    if (haveChromium) {
      chromium = (await import('playwright-core')).chromium;
      browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox', '--disable-gpu'] });
      page = await browser.newPage({ viewport: { width: 1000, height: 500 } });
      await preparePage(page);
    }
    for (const [kind, request] of kinds) {
      const json = JSON.stringify(specFor(request, LAYOUTS.full).config);
      // warm all three first
      renderChart(request, { size: 'full' });
      await pool.render({ request, size: 'full' });
      if (page) await drawIn(page, json);
      const here: number[] = [];
      const pooled: number[] = [];
      const warm: number[] = [];
      // interleaved, so load changes fall on each alike
      for (let i = 0; i < runs; i++) {
        let t = performance.now();
        renderChart(request, { size: 'full' });
        here.push(performance.now() - t);
        t = performance.now();
        await pool.render({ request, size: 'full' });
        pooled.push(performance.now() - t);
        if (page) {
          t = performance.now();
          await drawIn(page, json);
          warm.push(performance.now() - t);
        }
      }
      const launched: number[] = [];
      let browserBytes = 0;
      if (chromium) {
        for (let i = 0; i < launches; i++) {
          const t = performance.now();
          const b = await chromium.launch({ executablePath: executable, args: ['--no-sandbox', '--disable-gpu'] });
          try {
            const p = await b.newPage({ viewport: { width: 1000, height: 500 } });
            await preparePage(p);
            browserBytes = (await drawIn(p, json)).length;
          } finally {
            await b.close();
          }
          launched.push(performance.now() - t);
        }
      }
      const s = { here: summarise(here), pool: summarise(pooled), warm: warm.length ? summarise(warm) : null, launch: launched.length ? summarise(launched) : null };
      results[kind] = {
        wardwatchMs: s.here,
        wardwatchPoolMs: s.pool,
        chromiumWarmPageMs: s.warm,
        chromiumLaunchPerImageMs: s.launch,
        bytes: { wardwatch: renderChart(request, { size: 'full' }).length, chromium: browserBytes || null },
        /** How many times faster Wardwatch is (p50 against p50; through the pool, as the service draws). */
        speedup:
          s.warm && s.launch
            ? { warmPage: round(s.warm.p50Ms / s.pool.p50Ms), launchPerImage: round(s.launch.p50Ms / s.pool.p50Ms), warmPageSameThread: round(s.warm.p50Ms / s.here.p50Ms) }
            : null,
      };
      log(
        `${kind}: wardwatch ${s.here.p50Ms} ms (pool ${s.pool.p50Ms} ms)` +
          (s.warm && s.launch ? `, Chromium warm page ${s.warm.p50Ms} ms, launch per image ${s.launch.p50Ms} ms` : ''),
      );
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await pool.close();
  }
  return {
    runs,
    launchesPerKind: launches,
    chromium: haveChromium ? executable : null,
    targets: { fasterThanWarmPage: 4, fasterThanLaunchPerImage: 100 },
    kinds: results,
    loadAverage: { start: loadStart, end: loadNow() },
  };
};

export default bench;
