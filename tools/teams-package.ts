// `npm run teams:package`: the Teams app package to upload (Teams admin centre, or "Upload a custom app"):
// teams/manifest.json with the app id and host filled in, and its two icons, zipped flat as Teams wants.
//
//   TEAMS_APP_ID=<app registration's Application (client) ID> PUBLIC_URL=https://wardwatch.example.gov.uk \
//     npm run teams:package [-- --out dist/wardwatch-teams.zip] [--developer "Cambridgeshire County Council"]
//   npm run teams:package -- --draw-icons     redraws teams/color.png (192x192) and teams/outline.png (32x32)
//
// Zipped with the system `zip` (Info-ZIP), which every Linux image used here has; nothing is downloaded.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEAMS_DIR = join(ROOT, 'teams');
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function drawIcons(): Promise<void> {
  const { createCanvas } = await import('@napi-rs/canvas');
  // Colour icon: a full-bleed 192x192 square (Teams rounds the corners), a white shield with a bar chart.
  const c = createCanvas(192, 192);
  const g = c.getContext('2d');
  g.fillStyle = '#1D4F91';
  g.fillRect(0, 0, 192, 192);
  const shield = (ctx: typeof g, s: number, ox: number, oy: number) => {
    ctx.beginPath();
    ctx.moveTo(ox + 48 * s, oy + 8 * s);
    ctx.lineTo(ox + 84 * s, oy + 20 * s);
    ctx.lineTo(ox + 84 * s, oy + 50 * s);
    ctx.quadraticCurveTo(ox + 84 * s, oy + 78 * s, ox + 48 * s, oy + 92 * s);
    ctx.quadraticCurveTo(ox + 12 * s, oy + 78 * s, ox + 12 * s, oy + 50 * s);
    ctx.lineTo(ox + 12 * s, oy + 20 * s);
    ctx.closePath();
  };
  g.fillStyle = '#FFFFFF';
  shield(g, 1.5, 24, 26);
  g.fill();
  g.fillStyle = '#1D4F91';
  const bars = [18, 30, 22, 42];
  bars.forEach((h, i) => g.fillRect(58 + i * 20, 128 - h, 13, h));
  g.fillStyle = '#E8A33D';
  g.fillRect(118, 86, 13, 42);
  writeFileSync(join(TEAMS_DIR, 'color.png'), c.toBuffer('image/png'));
  // Outline icon: 32x32, white on transparent only (Teams' rule), the shield's outline and two bars.
  const o = createCanvas(32, 32);
  const h = o.getContext('2d');
  h.clearRect(0, 0, 32, 32);
  h.strokeStyle = '#FFFFFF';
  h.lineWidth = 2;
  shield(h, 0.3, 1.6, 1.8);
  h.stroke();
  h.fillStyle = '#FFFFFF';
  h.fillRect(11, 15, 3, 6);
  h.fillRect(15, 12, 3, 9);
  h.fillRect(19, 17, 3, 4);
  writeFileSync(join(TEAMS_DIR, 'outline.png'), o.toBuffer('image/png'));
  console.log('teams:package: drew teams/color.png (192x192) and teams/outline.png (32x32)');
}

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

export function fillManifest(template: string, values: { appId: string; publicUrl: string; developer: string }): string {
  const host = new URL(values.publicUrl).host;
  const filled = template
    .replaceAll('{{TEAMS_APP_ID}}', values.appId)
    .replaceAll('{{PUBLIC_URL}}', values.publicUrl.replace(/\/+$/, ''))
    .replaceAll('{{PUBLIC_HOST}}', host)
    .replaceAll('{{DEVELOPER_NAME}}', values.developer.replace(/["\\]/g, ''));
  const left = /\{\{[A-Z_]+\}\}/.exec(filled);
  if (left) throw new Error(`teams/manifest.json still has ${left[0]} after filling it in`);
  JSON.parse(filled); // a template edit that broke the JSON fails here, not in the Teams admin centre
  return filled;
}

async function main(args: string[]): Promise<number> {
  if (args.includes('--draw-icons')) {
    await drawIcons();
    return 0;
  }
  const appId = (arg(args, '--app-id') ?? process.env.TEAMS_APP_ID ?? '').trim();
  const publicUrl = (arg(args, '--public-url') ?? process.env.PUBLIC_URL ?? '').trim();
  const developer = (arg(args, '--developer') ?? process.env.TEAMS_DEVELOPER_NAME ?? 'Wardwatch').trim();
  const out = resolve(arg(args, '--out') ?? join(ROOT, 'dist', 'wardwatch-teams.zip'));
  if (!GUID.test(appId)) {
    console.error(
      `teams:package: set TEAMS_APP_ID (or --app-id) to the app registration's "Application (client) ID", a GUID such as 0f8fad5b-d9cb-469f-a165-70867728950e${appId ? `; found "${appId}"` : ''}`,
    );
    return 2;
  }
  if (!/^https:\/\/[^/\s]+/i.test(publicUrl)) {
    console.error(`teams:package: set PUBLIC_URL (or --public-url) to the https:// address Teams reaches Wardwatch at${publicUrl ? `; found "${publicUrl}"` : ''}`);
    return 2;
  }
  let manifest: string;
  try {
    manifest = fillManifest(readFileSync(join(TEAMS_DIR, 'manifest.json'), 'utf8'), { appId, publicUrl, developer });
  } catch (err) {
    console.error(`teams:package: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'wardwatch-teams-'));
  try {
    writeFileSync(join(work, 'manifest.json'), manifest);
    copyFileSync(join(TEAMS_DIR, 'color.png'), join(work, 'color.png'));
    copyFileSync(join(TEAMS_DIR, 'outline.png'), join(work, 'outline.png'));
    mkdirSync(dirname(out), { recursive: true });
    rmSync(out, { force: true });
    try {
      // -j: no folders (Teams wants the three files at the top), -X: no extra attributes, -q: quiet.
      execFileSync('zip', ['-j', '-X', '-q', out, join(work, 'manifest.json'), join(work, 'color.png'), join(work, 'outline.png')], { stdio: ['ignore', 'inherit', 'inherit'] });
    } catch (err) {
      const missing = (err as { code?: string }).code === 'ENOENT';
      console.error(`teams:package: ${missing ? 'the `zip` program is not installed (apt-get install zip)' : `zip failed: ${err instanceof Error ? err.message : String(err)}`}`);
      return 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`teams:package: wrote ${out} (app id ${appId}, host ${new URL(publicUrl).host}). Upload it in Teams: Apps > Manage your apps > Upload an app.`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(`teams:package: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
