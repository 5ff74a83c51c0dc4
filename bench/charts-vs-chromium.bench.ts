// `npm run bench` -> charts-vs-chromium: chart render and encode per kind (full size, 1000x500), side by
// side in one run with headless Chromium drawing the same Chart.js configuration:
//   - wardwatch: chart.js on @napi-rs/canvas, our PNG encoder, on this thread (warm), and through the
//     chart pool (a worker thread, the way the service draws: request posted, PNG back);
//   - chromium-warm: one page kept open, Chart.js loaded once; each image is `new Chart` on a canvas and
//     `canvas.toDataURL('image/png')`, decoded to bytes here;
//   - chromium-launch: a browser launched per image, page, Chart.js, draw, PNG, close (how Grafana's image
//     renderer works without its browser reuse).
// The configuration crosses into the page as JSON, so its callbacks (tick formatters, legend labels) and
// Wardwatch's plugins stay behind: the browser draws a good deal less than we do (no title, subtitle, notes
// or source line, no hatching, value labels, reference line or latest-month label, chart.js's default
// legend, no white background; its ranking PNG is 39 KB to our 73 KB). Same data, datasets, scales, sizes and font (DejaVu Sans, embedded in the page).
//   - wardwatch-same-config: for a like-for-like figure, also that same JSON configuration drawn the way
//     the page draws it (one kept canvas, `new Chart`, PNG, destroy) with chart.js on @napi-rs/canvas and
//     our encoder. The headline speedups stay on the full chart (wardwatch and pool).
// Also CPU per image: ours from this process, the warm page's from Chromium's own processes (/proc), since
// the browser draws across several processes and threads and, on a busy machine, its wall time gains from that.
// Chromium: $CHROMIUM, else /usr/bin/chromium; left out (with a note) when absent. Driven by playwright-core
// (already a devDependency, for the browser test).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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

/**
 * CPU time (ms) used so far by `pids` (Linux /proc; clock ticks of 10 ms): the browser draws in other
 * processes and threads, so its wall time alone hides how much of the machine each image takes.
 */
function cpuMsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // the process has gone
    }
  }
  return ticks * 10;
}

/** Processes descended from `root` (the browser and its renderer, GPU and utility processes). */
function descendants(root: number): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      parent.set(Number(name), Number(readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    let p: number | undefined = pid;
    for (let hops = 0; p && hops < 20; hops++) {
      p = parent.get(p);
      if (p === root) {
        out.push(pid);
        break;
      }
    }
  }
  return out;
}

const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** The page's draw() in this thread: the JSON configuration on one kept canvas, our PNG encoder. */
async function sameConfigDrawer(): Promise<(json: string) => Buffer> {
  const { createCanvas } = await import('@napi-rs/canvas');
  const { Chart } = await import('chart.js');
  const { encodeCanvas, LAYOUTS } = await import('../src/charts/frame.ts'); // registers chart.js and the font
  const canvas = createCanvas(1000, 500);
  return (json) => {
    const config = JSON.parse(json);
    config.options = { ...(config.options || {}), responsive: false, animation: false, devicePixelRatio: 1, events: [] };
    const chart = new Chart(canvas.getContext('2d') as never, config);
    try {
      return encodeCanvas(canvas, LAYOUTS.full);
    } finally {
      chart.destroy();
    }
  };
}

async function drawIn(page: Page, json: string): Promise<Buffer> {
  const url = await page.evaluate((j) => (globalThis as unknown as { draw: (json: string) => string }).draw(j), json);
  return Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
}

const bench: Benchmark = async ({ log, size }) => {
  const { renderChart } = await import('../src/charts/index.ts');
  const { exampleRequests } = await import('../src/charts/examples.ts');
  const { LAYOUTS } = await import('../src/charts/frame.ts');
  const { specFor } = await import('../src/charts/spec.ts');
  const { ChartPool } = await import('../src/charts/pool.ts');
  const runs = { quick: 8, standard: 40, full: 40 }[size];
  const launches = { quick: 2, standard: 3, full: 5 }[size];
  const executable = process.env.CHROMIUM?.trim() || '/usr/bin/chromium';
  const haveChromium = existsSync(executable);
  if (!haveChromium) log(`Chromium left out: ${executable} not found (set CHROMIUM)`);
  const kinds = Object.entries(exampleRequests()).filter(([, r]) => r.kind !== 'brief' && r.kind !== 'map') as Array<[string, Exclude<ChartRequest, { kind: 'brief' | 'map' }>]>;
  const pool = new ChartPool({ workers: 1 });
  const drawSameConfig = await sameConfigDrawer();
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
    // Chromium's processes (launched by this one); our own process's CPU covers the main thread and the pool's worker.
    const browserPids = page ? descendants(process.pid) : [];
    for (const [kind, request] of kinds) {
      const json = JSON.stringify(specFor(request, LAYOUTS.full).config);
      // warm all three first
      renderChart(request, { size: 'full' });
      await pool.render({ request, size: 'full' });
      if (page) await drawIn(page, json);
      drawSameConfig(json);
      const here: number[] = [];
      const sameConfig: number[] = [];
      const cpu = { here: 0, pool: 0, warm: 0 };
      const pooled: number[] = [];
      const warm: number[] = [];
      // interleaved, so load changes fall on each alike
      for (let i = 0; i < runs; i++) {
        let c = ownCpuMs();
        let t = performance.now();
        renderChart(request, { size: 'full' });
        here.push(performance.now() - t);
        cpu.here += ownCpuMs() - c;
        c = ownCpuMs();
        t = performance.now();
        await pool.render({ request, size: 'full' });
        pooled.push(performance.now() - t);
        cpu.pool += ownCpuMs() - c;
        if (page) {
          c = cpuMsOf(browserPids);
          t = performance.now();
          await drawIn(page, json);
          warm.push(performance.now() - t);
          cpu.warm += cpuMsOf(browserPids) - c;
        }
        t = performance.now();
        drawSameConfig(json);
        sameConfig.push(performance.now() - t);
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
      const s = {
        here: summarise(here),
        pool: summarise(pooled),
        sameConfig: summarise(sameConfig),
        warm: warm.length ? summarise(warm) : null,
        launch: launched.length ? summarise(launched) : null,
      };
      results[kind] = {
        wardwatchMs: s.here,
        wardwatchPoolMs: s.pool,
        /** The browser's own (JSON) configuration drawn here the way the page draws it: like for like. */
        wardwatchSameConfigMs: s.sameConfig,
        /**
         * CPU per image, mean: ours from this process (main thread, pool worker, GC threads), the warm page's
         * from Chromium's processes (not counting this process driving it); 10 ms clock ticks, so the
         * browser's figure is good to about 10/runs ms.
         */
        cpuMsPerImage: {
          wardwatch: round(cpu.here / runs),
          wardwatchPool: round(cpu.pool / runs),
          chromiumWarmPage: warm.length && browserPids.length ? round(cpu.warm / runs) : null,
        },
        chromiumWarmPageMs: s.warm,
        chromiumLaunchPerImageMs: s.launch,
        bytes: { wardwatch: renderChart(request, { size: 'full' }).length, chromium: browserBytes || null },
        /** How many times faster Wardwatch is (p50 against p50; through the pool, as the service draws). */
        speedup:
          s.warm && s.launch
            ? {
                warmPage: round(s.warm.p50Ms / s.pool.p50Ms),
                launchPerImage: round(s.launch.p50Ms / s.pool.p50Ms),
                warmPageSameThread: round(s.warm.p50Ms / s.here.p50Ms),
                warmPageSameConfig: round(s.warm.p50Ms / s.sameConfig.p50Ms),
              }
            : null,
      };
      log(
        `${kind}: wardwatch ${s.here.p50Ms} ms (pool ${s.pool.p50Ms} ms, the browser's config ${s.sameConfig.p50Ms} ms)` +
          (s.warm && s.launch ? `, Chromium warm page ${s.warm.p50Ms} ms, launch per image ${s.launch.p50Ms} ms` : '') +
          `; CPU per image: ours ${round(cpu.here / runs)} ms (pool ${round(cpu.pool / runs)} ms)` +
          (warm.length && browserPids.length ? `, Chromium warm page ${round(cpu.warm / runs)} ms` : ''),
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
