// Run in a child process with the system fonts hidden (see fonts.test.ts): reports which font
// families @napi-rs/canvas can see before the charts register theirs, and how much ink each kind
// of chart puts in its title band with and without a title.
import { GlobalFonts } from '@napi-rs/canvas';

const systemFamilies = GlobalFonts.families.map((f) => f.family);
const { renderChart, titleBand, LAYOUTS } = await import('../../src/charts/index.ts');
const { exampleRequests } = await import('../../src/charts/examples.ts');
const { decode, ink } = await import('./pixels.ts');

const titleInk: Record<string, { titled: number; untitled: number }> = {};
for (const [kind, request] of Object.entries(exampleRequests())) {
  const titled = await decode(renderChart(request));
  const untitled = await decode(renderChart({ ...request, title: '' }));
  const band = { ...titleBand(LAYOUTS.full), width: titled.width };
  titleInk[kind] = { titled: ink(titled, band), untitled: ink(untitled, band) };
}
process.stdout.write(JSON.stringify({ systemFamilies, titleInk }) + '\n');
