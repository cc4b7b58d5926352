// Bytes sent again when an upload goes on after a reload (#16): a 200 MB video in parts of
// 16 MiB (the defaults) stops halfway (the network dies from part 7 on), the page is reloaded,
// the person presses Continue and picks the same file. Prints how many bytes the browser sent
// before and after the reload. Needs target/debug/picup-api (or PICUP_API_BIN) and Chromium.
//
//   cd web/tests && npm ci && node resume-bench.mjs
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const binary = process.env.PICUP_API_BIN || join(repo, 'target', 'debug', 'picup-api');
const size = 200 * 1000 * 1000;
const dataDir = mkdtempSync(join(tmpdir(), 'picup-resume-'));
const video = join(dataDir, 'recital.mp4');
writeFileSync(video, randomBytes(size));
const base = 'http://127.0.0.1:18410';
const server = spawn(binary, [], { stdio: 'ignore', env: { ...process.env, PICUP_HTTP_ADDR: '127.0.0.1:18410',
  PICUP_EMBEDDED_S3_ADDR: '127.0.0.1:18411', PICUP_PUBLIC_URL: base, PICUP_DATA_DIR: join(dataDir, 'data'),
  PICUP_WEB_DIR: join(repo, 'web'), DATABASE_URL: '', REDIS_URL: '' } });
try {
  for (let i = 0; i < 100 && !(await fetch(`${base}/healthz`).then((r) => r.ok, () => false)); i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
  const page = await browser.newPage();
  await page.goto(base);
  const album = await page.evaluate(async () => {
    const call = (method, path, body) => fetch(`/api/v1${path}`, { method, body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'x-requested-with': 'fetch' } }).then((r) => r.json());
    await call('POST', '/auth/register', { email: 'bench@family.test', password: 'a long family password', display_name: 'Bench' });
    await call('POST', '/auth/login', { email: 'bench@family.test', password: 'a long family password' });
    return (await call('POST', '/albums', { title: 'Recital' })).id;
  });
  await page.goto(`${base}/#/album/${album}`);
  const sentParts = new Map(); // "phase part" -> bytes
  let phase = 'before';
  const sent = { before: 0, after: 0 };
  // A finished part PUT carried its whole part: 16 MiB, the last one the rest.
  const partSize = 16 * 1024 * 1024;
  page.on('requestfinished', (request) => {
    if (request.method() !== 'PUT' || !request.url().includes('/originals/')) return;
    const part = Number(new URL(request.url()).searchParams.get('partNumber'));
    const bytes = Math.min(partSize, size - (part - 1) * partSize);
    sent[phase] += bytes;
    sentParts.set(`${phase} ${part}`, bytes);
  });
  const partOf = (request) => Number(new URL(request.url()).searchParams.get('partNumber'));
  await page.route('**/picup/originals/**', (route) => (partOf(route.request()) > 6 ? route.abort('connectionreset') : route.continue()));
  await page.locator('input[type=file]').setInputFiles(video);
  await page.getByRole('button', { name: 'Try again' }).waitFor({ timeout: 300_000 });
  await page.unroute('**/picup/originals/**');
  await page.reload();
  phase = 'after';
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Continue' }).click({ timeout: 60_000 });
  await (await chooser).setFiles(video);
  await page.locator('main .grid li').first().waitFor({ timeout: 300_000 });
  const mb = (bytes) => (bytes / 1e6).toFixed(1);
  console.log(`file ${mb(size)} MB; sent before the reload ${mb(sent.before)} MB (parts 1-6 arrived); ` +
    `sent again after it ${mb(sent.after)} MB = ${((100 * sent.after) / size).toFixed(1)}% of the file ` +
    `(parts ${[...sentParts.keys()].filter((k) => k.startsWith('after')).map((k) => k.split(' ')[1]).join(', ')})`);
  await browser.close();
} finally {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
