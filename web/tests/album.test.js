// The family web album in a real browser: Debian's Chromium driven by playwright-core against a
// real picup-api (embedded defaults) on free ports, with a real OpenID provider (testkit/oidc-provider)
// for "Sign in with …", and DB-IP's country database for where devices signed in. Screenshots go
// to output/.
//
// Needs target/debug/picup-api (cargo build -p picup-api), /usr/bin/chromium, and the provider's
// packages (cd testkit/oidc-provider && npm ci).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, sign } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const corpus = join(repo, '..', 'shared', 'corpus');
const output = join(here, 'output');
const binary = process.env.PICUP_API_BIN || join(repo, 'target', 'debug', 'picup-api');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let server;
let serverLog = '';
/** The test OpenID provider (a child process) and its issuer URL. */
let provider;
let issuer;
let providerLog = '';
const secrets = new Set();
let dataDir;
let base;
let browser;
let page;
const screenshots = [];
const PASSWORD = 'a long family password';

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the test OpenID provider on a free port and resolves with its issuer. It exits by itself
 * when this process dies (its stdin closes). Rejects if it does not start: the suite fails then.
 */
function startProvider() {
  const script = join(here, '..', '..', 'testkit', 'oidc-provider', 'server.mjs');
  provider = spawn(process.execPath, [script, '--port', '0', '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'pipe'] });
  provider.stderr.on('data', (chunk) => { providerLog += chunk; });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the OpenID provider did not start within 20 s:\n${providerLog}`)), 20_000);
    provider.stdout.on('data', (chunk) => {
      out += chunk;
      const end = out.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, end)).issuer);
      } catch (err) {
        reject(new Error(`the OpenID provider said ${JSON.stringify(out)}: ${err.message}`));
      }
    });
    provider.on('error', (err) => { clearTimeout(timer); reject(err); });
    provider.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the OpenID provider exited (${code}) before it was ready:\n${providerLog}`)); });
  });
}

async function shot(name, target = page) {
  const path = join(output, `${name}.png`);
  await target.screenshot({ path, fullPage: true });
  screenshots.push(path);
}

/** Files to upload: corpus photos and a video when present, else JPEGs the browser draws. */
async function samplePhotos(count) {
  const names = ['orientation/Landscape_6.jpg', 'jpeg/canon_hdr_NO.jpg', 'jpeg/portrait-orientation-6.jpg'];
  if (names.every((name) => existsSync(join(corpus, name)))) {
    return names.slice(0, count).map((name) => ({ name: name.split('/').pop(), mimeType: 'image/jpeg', buffer: readFileSync(join(corpus, name)) }));
  }
  return drawnPhotos(count);
}

/** JPEGs the browser draws, each its own colour and name written on it (so no two are the same file). */
async function drawnPhotos(count, prefix = 'drawn') {
  const files = [];
  for (let i = 0; i < count; i += 1) {
    const dataUrl = await page.evaluate(([hue, label]) => {
      const canvas = document.createElement('canvas');
      canvas.width = 800;
      canvas.height = 600;
      const context = canvas.getContext('2d');
      context.fillStyle = `hsl(${hue}, 70%, 50%)`;
      context.fillRect(0, 0, 800, 600);
      context.fillStyle = '#fff';
      context.fillRect(100, 100, 300, 200);
      context.fillStyle = '#000';
      context.font = '40px sans-serif';
      context.fillText(label, 120, 220);
      return canvas.toDataURL('image/jpeg', 0.9);
    }, [i * 100, `${prefix}-${i}`]);
    files.push({ name: `${prefix}-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') });
  }
  return files;
}

function sampleVideo() {
  const path = join(corpus, 'video', 'mp42-hvc1.mp4');
  return existsSync(path) ? { name: 'recital.mp4', mimeType: 'video/mp4', buffer: readFileSync(path) } : null;
}

/** Runs axe on what `target` shows: the same address, with the same cookies, in a context where axe may be injected. */
async function axeCheck(label, target = page) {
  await axeAt(label, target.url(), await target.context().storageState(), target.viewportSize());
}

async function axeAt(label, url, storageState, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ bypassCSP: true, storageState, viewport });
  const checked = await context.newPage();
  await checked.goto(url);
  await checked.waitForLoadState('networkidle');
  await runAxe(checked, label);
  await context.close();
}

/** Runs axe in `checked` as it is now (its context must bypass the page's CSP). */
async function runAxe(checked, label) {
  await checked.addScriptTag({ path: join(here, 'node_modules', 'axe-core', 'axe.min.js') });
  const result = await checked.evaluate(() => globalThis.axe.run());
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help}`), [], `${label}: accessibility`);
}

/** A phone: 390 x 844, touch, the given language; signed in as `signedInAs` (a page) if given. */
async function phonePage(locale = 'en-US', signedInAs = null, bypassCSP = false) {
  return browser.newPage({ locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP,
    storageState: signedInAs ? await signedInAs.context().storageState() : undefined });
}

async function noSidewaysScrolling(target, label) {
  const overflow = await target.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${label}: no sideways scrolling on a phone (overflow ${overflow}px)`);
}

async function tiles(target = page) {
  return target.locator('main .grid li').count();
}

async function waitForThumbnails(count) {
  await page.waitForFunction((n) => {
    const images = [...document.querySelectorAll('main .grid .tile img')];
    return images.length >= n && images.every((img) => img.complete && img.naturalWidth > 0);
  }, count, { timeout: 60_000 });
}

before(async () => {
  mkdirSync(output, { recursive: true });
  // The provider first: picup reads its address at start.
  issuer = await startProvider();
  assert.match(issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  dataDir = mkdtempSync(join(tmpdir(), 'picup-web-'));
  const [port, s3Port] = [await freePort(), await freePort()];
  // By name, not by address: browsers make passkeys for names only (the server listens on 127.0.0.1).
  base = `http://localhost:${port}`;
  const env = { ...process.env, PICUP_HTTP_ADDR: `127.0.0.1:${port}`, PICUP_EMBEDDED_S3_ADDR: `127.0.0.1:${s3Port}`,
    PICUP_PUBLIC_URL: base, PICUP_DATA_DIR: dataDir, PICUP_WEB_DIR: join(repo, 'web'), RUST_LOG: 'debug',
    // The story signs in (passwords, passkeys, links) more often in a minute than a family would.
    PICUP_RATE_AUTH_PER_MINUTE: '120',
    // Parts of 5 MiB (S3's smallest), so a photo of a dozen MB goes up in parts.
    PICUP_MULTIPART_THRESHOLD_BYTES: '5242880', PICUP_PART_SIZE_BYTES: '5242880',
    // "Sign in with Family login": the test provider, as an operator would configure Google.
    PICUP_OIDC_PROVIDERS: 'family', PICUP_OIDC_FAMILY_ISSUER: issuer, PICUP_OIDC_FAMILY_CLIENT_ID: 'picup',
    PICUP_OIDC_FAMILY_CLIENT_SECRET: 'picup-test-secret', PICUP_OIDC_FAMILY_LABEL: 'Family login',
    // Where devices signed in: DB-IP's country database, and the address a proxy forwards.
    PICUP_GEOIP_DB: join(repo, 'testdata', 'geoip', 'dbip-country-lite-ipv4.mmdb'),
    PICUP_GEOIP_CREDIT: 'IP geolocation by DB-IP', PICUP_TRUST_PROXY: 'true' };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  server = spawn(binary, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (chunk) => { serverLog += chunk; });
  server.stderr.on('data', (chunk) => { serverLog += chunk; });
  for (let i = 0; i < 100; i += 1) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
  page = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
  provider?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  console.log(`screenshots:\n${screenshots.join('\n')}`);
});

test('the first person creates the family album', async () => {
  await page.goto(base);
  await page.getByRole('button', { name: 'This is my first time here' }).click();
  await page.getByLabel('Your name').fill('Grandma');
  await page.getByLabel('Email').fill('grandma@family.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await shot('01-create-account');
  await page.getByRole('button', { name: 'Create my account' }).click();
  await page.getByRole('heading', { name: 'Albums' }).waitFor();
  await axeCheck('albums page');
  await shot('02-albums-empty');
});

test('she makes an album and adds photos and a video', async () => {
  await page.getByRole('button', { name: /New album/ }).click();
  await page.getByLabel('Album name').fill('Jeju 2019');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  const files = await samplePhotos(3);
  const video = sampleVideo();
  if (video) files.push(video);
  await page.locator('input[type=file]').setInputFiles(files);
  await page.getByText(`Uploading ${files.length} of ${files.length}`).waitFor({ timeout: 60_000 });
  await waitForThumbnails(files.length);
  assert.equal(await tiles(), files.length);
  await axeCheck('album page');
  await shot('03-album-with-photos');
});

test('the viewer shows a photo and pages with the arrow keys and buttons', async () => {
  await page.locator('main .grid .tile').first().click();
  const viewer = page.getByRole('dialog', { name: 'viewer' });
  await viewer.waitFor();
  await viewer.locator('.stage img, .stage video').waitFor();
  const count = await tiles();
  await assert.doesNotReject(viewer.getByText(`1 / ${count}`).waitFor());
  await page.keyboard.press('ArrowRight');
  await viewer.getByText(`2 / ${count}`).waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('dialog .stage img')].every((img) => img.complete && img.naturalWidth > 0));
  await shot('04-viewer');
  await viewer.getByRole('button', { name: /Previous/ }).click();
  await viewer.getByText(`1 / ${count}`).waitFor();
  assert.ok(await viewer.getByRole('link', { name: 'Download original' }).getAttribute('href'));
  await viewer.getByRole('button', { name: 'Close' }).click();
});

/** Deletes the album's first photo from the viewer and opens the trash; returns the tiles before. */
async function deleteFirstPhotoAndOpenTrash() {
  const before = await tiles();
  await page.locator('main .grid .tile').first().click();
  const viewer = page.getByRole('dialog', { name: 'viewer' });
  await viewer.getByRole('button', { name: 'Delete' }).click();
  await page.getByRole('dialog').last().getByRole('button', { name: 'Delete' }).click();
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before - 1);
  await page.getByRole('link', { name: 'Trash' }).click();
  await page.getByRole('heading', { name: 'Trash' }).waitFor();
  return before;
}

test('a deleted photo goes to the trash and comes back', async () => {
  const before = await deleteFirstPhotoAndOpenTrash();
  await axeCheck('trash page');
  await shot('05-trash');
  await page.getByRole('button', { name: /^Restore/ }).first().click();
  await page.getByText('The trash is empty.').waitFor();
  await page.getByRole('link', { name: 'Albums' }).click();
  await page.getByRole('link', { name: /Jeju 2019/ }).click();
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before);
});

test('a restore that fails says why, not that it was restored', async () => {
  const before = await deleteFirstPhotoAndOpenTrash();
  await page.route('**/api/v1/media/*/restore', (route) => route.abort('connectionreset'));
  const toast = page.locator('#toast');
  // The last test's "Brought back." may still be showing (for 5 s): only what this click says counts.
  await page.evaluate(() => { document.getElementById('toast').textContent = ''; });
  await page.getByRole('button', { name: /^Restore/ }).first().click();
  await page.waitForFunction(() => document.getElementById('toast').textContent !== '');
  assert.match(await toast.textContent(), /^Could not bring back ".+": Cannot reach picup\./);
  assert.doesNotMatch(await toast.textContent(), /Brought back/);
  assert.equal(await page.getByRole('button', { name: /^Restore/ }).count(), 1, 'still in the trash');
  await page.unroute('**/api/v1/media/*/restore');
  await page.getByRole('button', { name: /^Restore/ }).first().click();
  await page.getByText('The trash is empty.').waitFor();
  assert.equal(await toast.textContent(), 'Brought back.');
  await page.getByRole('link', { name: 'Albums' }).click();
  await page.getByRole('link', { name: /Jeju 2019/ }).click();
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before);
});

test('an interrupted upload can be retried', async () => {
  let failing = true;
  await page.route('**/picup/originals/**', (route) => (failing ? route.abort('connectionreset') : route.continue()));
  const [photo] = await drawnPhotos(1, 'retry');
  const before = await tiles();
  await page.locator('input[type=file]').setInputFiles([{ ...photo, name: 'retry-me.jpg' }]);
  const retry = page.getByRole('button', { name: 'Try again' });
  await retry.waitFor({ timeout: 30_000 });
  await shot('06-upload-failed');
  failing = false;
  await retry.click();
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before + 1, { timeout: 30_000 });
  await page.unroute('**/picup/originals/**');
});

/** A photo of random pixels (which JPEG cannot shrink): about 12 MB, so three parts of 5 MiB. */
async function noisePhoto(name) {
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 2400;
    canvas.height = 1800;
    const context = canvas.getContext('2d');
    const pixels = context.createImageData(canvas.width, canvas.height);
    const random = new Uint32Array(pixels.data.buffer);
    crypto.getRandomValues(random.subarray(0, 16384));
    for (let i = 16384; i < random.length; i += 1) random[i] = random[i - 16384] * 2654435761 + i;
    for (let i = 3; i < pixels.data.length; i += 4) pixels.data[i] = 255;
    context.putImageData(pixels, 0, 0);
    return canvas.toDataURL('image/jpeg', 1.0);
  });
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') };
}

test('an upload stopped by a reload goes on where it stopped, sending only what was missing', async () => {
  const photo = await noisePhoto('big-noise.jpg');
  const partSize = 5 * 1024 * 1024;
  assert.ok(photo.buffer.length > 2 * partSize && photo.buffer.length <= 3 * partSize, `${photo.buffer.length} bytes`);
  const before = await tiles();
  const partOf = (request) => new URL(request.url()).searchParams.get('partNumber');
  // The network dies before the last part arrives...
  await page.route('**/picup/originals/**', (route) => (partOf(route.request()) === '3' ? route.abort('connectionreset') : route.continue()));
  await page.locator('input[type=file]').setInputFiles([photo]);
  await page.getByRole('button', { name: 'Try again' }).waitFor({ timeout: 60_000 });
  await page.unroute('**/picup/originals/**');
  // ...and the page is gone: a reload.
  await page.reload();
  await page.getByText('Uploads not finished: 1.', { exact: false }).waitFor();
  await shot('06c-unfinished');
  const sent = [];
  const onRequest = (request) => { if (request.method() === 'PUT' && request.url().includes('/originals/')) sent.push(partOf(request)); };
  page.on('request', onRequest);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Continue' }).click();
  await (await chooser).setFiles([photo]);
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before + 1, { timeout: 60_000 });
  page.off('request', onRequest);
  assert.deepEqual(sent, ['3'], 'only the part that had not arrived was sent again');
  const resent = photo.buffer.length - 2 * partSize;
  assert.ok(resent < 0.6 * photo.buffer.length, `re-sent ${resent} of ${photo.buffer.length} bytes`);
  assert.equal(await page.getByText('Uploads not finished', { exact: false }).count(), 0);
});

test('an upload waits out a lost network and goes on by itself when it returns', async () => {
  const photo = await noisePhoto('through-a-tunnel.jpg');
  const before = await tiles();
  // The phone loses its network as the first part leaves, for longer than the retries' pauses.
  await page.route('**/picup/originals/**', async (route) => {
    await page.context().setOffline(true);
    return route.abort('internetdisconnected');
  });
  await page.locator('input[type=file]').setInputFiles([photo]);
  await page.getByText('Waiting for the network…').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(9000); // 1 + 2 + 4 s of retry pauses would have run out by now
  assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0, 'no failure while offline');
  await shot('06d-waiting-for-network');
  await page.unroute('**/picup/originals/**');
  await page.context().setOffline(false);
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before + 1, { timeout: 60_000 });
});

test('a file too big to hash whole is hashed in a worker, a piece at a time, to the right SHA-256', async () => {
  const size = 70 * 1024 * 1024; // over the 64 MiB the browser hashes whole
  const pattern = (i) => (i * 31 + 7) & 255;
  const expected = createHash('sha256').update(Uint8Array.from({ length: size }, (_, i) => pattern(i))).digest('hex');
  const got = await page.evaluate(async (n) => {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i += 1) bytes[i] = (i * 31 + 7) & 255;
    const { sha256Of } = await import('/js/upload.js');
    return sha256Of(new File([bytes], 'long-video.mp4', { type: 'video/mp4' }));
  }, size);
  assert.equal(got, expected);
});

test('the same photo added again is not stored twice, and the page says so', async () => {
  const [photo] = await drawnPhotos(1, 'twice');
  const before = await tiles();
  await page.locator('input[type=file]').setInputFiles([{ ...photo, name: 'first.jpg' }]);
  await page.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before + 1, { timeout: 30_000 });
  // The server finds duplicates by the hash it computed itself, once the photo is ready.
  await page.waitForFunction(() => !document.querySelector('main .grid .processing'), null, { timeout: 30_000 });
  const used = await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).used_bytes);
  await page.locator('input[type=file]').setInputFiles([{ ...photo, name: 'again.jpg' }]);
  await page.getByText('Already in “Jeju 2019”, not added twice.').waitFor({ timeout: 30_000 });
  await shot('06b-already-added');
  assert.equal(await tiles(), before + 1, 'one tile, not two');
  assert.equal(await page.evaluate(async () => (await (await fetch('/api/v1/me')).json()).used_bytes), used, 'nothing more charged');
});

test('scrolled-to pages and the scroll position stay while a photo is getting ready', async () => {
  // A phone of its own (its own fake clock), with pages of 6 instead of 60 so that 14 photos make three.
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 },
    storageState: await page.context().storageState() });
  const phone = await context.newPage();
  await phone.goto(`${base}/#/albums`);
  await phone.getByRole('button', { name: /New album/ }).click();
  await phone.getByLabel('Album name').fill('Many pages');
  await phone.getByRole('button', { name: 'Create' }).click();
  await phone.getByRole('heading', { name: 'Many pages' }).waitFor();
  const count = 14;
  await phone.locator('input[type=file]').setInputFiles(await drawnPhotos(count, 'page'));
  await phone.getByText(`Uploading ${count} of ${count}`).waitFor({ timeout: 60_000 });
  // Every tile has its thumbnail (those below the fold load lazily, so not all have loaded yet).
  await phone.waitForFunction((n) => document.querySelectorAll('main .grid .tile img').length === n, count, { timeout: 60_000 });
  const albumId = phone.url().split('/').pop();
  const all = await phone.evaluate((id) => fetch(`/api/v1/albums/${id}/media?limit=200`).then((r) => r.json()), albumId);
  assert.equal(all.items.length, count);
  const held = all.items[1]; // on the first page; the api says it is still processing until let go
  const last = all.items[count - 1]; // on the third page

  let holding = true;
  const listed = []; // the limit of every list request, in order
  await phone.route(`**/api/v1/albums/${albumId}/media?**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('limit') === '60') url.searchParams.set('limit', '6');
    listed.push(url.searchParams.get('limit'));
    const response = await route.fetch({ url: url.toString() });
    const json = await response.json();
    if (holding) for (const item of json.items) if (item.id === held.id) item.status = 'processing';
    await route.fulfill({ response, json });
  });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));
  const polled = async (ms) => {
    const before = listed.length;
    await phone.clock.runFor(ms);
    await settle();
    return listed.slice(before);
  };
  await context.clock.install();
  await phone.clock.pauseAt(Date.now() + 1000);
  await phone.reload();
  await phone.locator('main .grid .tile.processing').waitFor();
  assert.equal(await phone.locator('main .grid .tile.processing').getAttribute('aria-label'), `${held.filename}: Getting ready…`);

  for (let i = 0; i < 10 && (await tiles(phone)) < count; i += 1) {
    await phone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await settle();
  }
  assert.equal(await tiles(phone), count, 'all three pages loaded');
  assert.ok(listed.filter((limit) => limit === '6').length >= 3, `three pages of 6: ${listed}`);
  const scrolled = await phone.evaluate(() => window.scrollY);
  assert.ok(scrolled > 0, 'scrolled down');
  const named = (item) => phone.getByRole('button', { name: new RegExp(`^${item.filename.replaceAll('.', '\\.')},`) });
  const lastTile = named(last);
  await lastTile.waitFor();
  await shot('album-third-page-phone', phone);

  // Polls after 2 s, then 3 s later (not 2): each refresh keeps every page and the scroll position.
  const first = await polled(2000);
  assert.equal(await tiles(phone), count, 'the later pages are still there after a poll');
  assert.equal(await phone.evaluate(() => window.scrollY), scrolled, 'the scroll position stays');
  assert.equal(first.length, 1, 'a poll after 2 s');
  assert.equal((await polled(2000)).length, 0, 'the next poll waits longer');
  assert.equal((await polled(1000)).length, 1, 'a poll 3 s after the first');
  assert.equal(await tiles(phone), count);

  holding = false;
  assert.equal((await polled(4500)).length, 1, 'a poll 4.5 s after the second');
  await named(held).waitFor();
  assert.equal(await phone.locator('main .grid .tile.processing').count(), 0);
  assert.equal(await tiles(phone), count);
  assert.ok(await lastTile.isVisible(), 'the last tile is still there');
  assert.equal(await phone.evaluate(() => window.scrollY), scrolled, 'the scroll position stays');
  assert.deepEqual(await polled(60_000), [], 'nothing is processing: no more polls');

  // Leaving the album stops the polling.
  holding = true;
  await phone.evaluate(() => window.scrollTo(0, 0));
  await phone.evaluate(() => { location.hash = '#/albums'; });
  await phone.getByRole('heading', { name: 'Albums' }).waitFor();
  await phone.evaluate((id) => { location.hash = `#/album/${id}`; }, albumId);
  await phone.locator('main .grid .tile.processing').waitFor();
  await settle();
  await phone.evaluate(() => { location.hash = '#/albums'; });
  await phone.getByRole('heading', { name: 'Albums' }).waitFor();
  assert.deepEqual(await polled(60_000), [], 'the album was left: no more polls');
  await context.close();
});

test('an iPhone Live Photo is one photo that plays its moment', async () => {
  const [still, movie] = ['IMG_3582.HEIC', 'IMG_3582.mov'].map((name) => join(corpus, 'live', 'osxphotos', name));
  if (!existsSync(still) || !existsSync(movie)) {
    assert.ok(!process.env.PICUP_REQUIRE_CORPUS, 'PICUP_REQUIRE_CORPUS is set but the Live Photo is missing');
    return;
  }
  await page.getByRole('link', { name: 'Albums' }).click();
  await page.getByRole('button', { name: /New album/ }).click();
  await page.getByLabel('Album name').fill('Magnolia');
  await page.getByRole('button', { name: 'Create' }).click();
  await page.getByRole('heading', { name: 'Magnolia' }).waitFor();
  // As a phone hands them over: the still and its movie together.
  await page.locator('input[type=file]').setInputFiles([
    { name: 'IMG_3582.HEIC', mimeType: 'image/heic', buffer: readFileSync(still) },
    { name: 'IMG_3582.mov', mimeType: 'video/quicktime', buffer: readFileSync(movie) },
  ]);
  await page.locator('main .grid .badge.live').waitFor({ timeout: 120_000 });
  await page.waitForFunction(() => document.querySelectorAll('main .grid li').length === 1, null, { timeout: 30_000 });
  await shot('16-live-photo');
  await page.locator('main .grid button.tile').first().click();
  const viewer = page.getByRole('dialog', { name: 'viewer' });
  await viewer.getByRole('button', { name: 'Play the moment' }).click();
  await page.waitForFunction(() => {
    const video = document.querySelector('dialog.viewer .stage video');
    return video && video.readyState >= 2 && video.currentTime > 0;
  }, null, { timeout: 20_000 });
  const played = await page.evaluate(() => {
    const video = document.querySelector('dialog.viewer .stage video');
    const box = video.getBoundingClientRect();
    return { width: video.videoWidth, height: video.videoHeight, boxWidth: box.width, boxHeight: box.height, src: video.currentSrc.split('?')[0] };
  });
  assert.ok(played.height > played.width, `the moment plays upright, as the photo was taken: ${JSON.stringify(played)}`);
  const stage = await page.evaluate(() => document.querySelector('dialog.viewer .stage').getBoundingClientRect().height);
  assert.ok(played.boxHeight <= stage + 1, `and whole, within the screen: ${JSON.stringify(played)}, stage ${stage}`);
  await shot('17-live-photo-playing');
  // When the moment ends, the photo is back.
  await page.waitForFunction(() => document.querySelector('dialog.viewer .stage img'), null, { timeout: 20_000 });
  await viewer.getByRole('button', { name: 'Close' }).click();
  // The same moment on a phone: whole, upright, the button within reach.
  const phone = await browser.newPage({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    storageState: await page.context().storageState() });
  await phone.goto(page.url());
  await phone.locator('main .grid button.tile').first().click();
  await phone.getByRole('dialog', { name: 'viewer' }).getByRole('button', { name: 'Play the moment' }).click();
  await phone.waitForFunction(() => {
    const video = document.querySelector('dialog.viewer .stage video');
    const box = video?.getBoundingClientRect();
    return video && video.currentTime > 0 && box.width <= window.innerWidth + 1;
  }, null, { timeout: 20_000 });
  await shot('17b-live-photo-playing-phone', phone);
  await phone.close();
  await page.getByRole('link', { name: 'Albums' }).click();
  await page.getByRole('link', { name: /Jeju 2019/ }).click();
  await page.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
});

test('she shares the album and her grandson joins with the link', async () => {
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share this album' });
  await dialog.getByLabel('They can').selectOption('contributor');
  await dialog.getByRole('button', { name: 'Make an invite link' }).click();
  const link = await dialog.getByLabel('invite link').inputValue();
  assert.match(link, /\?invite=/);
  secrets.add(new URL(link).searchParams.get('invite'));
  await shot('07-share');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await shot('08-signed-out');

  await page.goto(link);
  await page.getByRole('heading', { name: 'Join the family album' }).waitFor();
  await page.getByLabel('Your name').fill('Minjun');
  await page.getByLabel('Email').fill('minjun@family.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create my account' }).click();
  await page.getByRole('link', { name: /Jeju 2019/ }).waitFor();
  await shot('09-grandson-sees-shared-album');
  await page.getByRole('link', { name: /Jeju 2019/ }).click();
  await waitForThumbnails(1);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
});

test('the grandson likes and comments; grandma hears it at once, and HTML in a comment stays text', async () => {
  await page.getByLabel('Email').fill('grandma@family.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Albums' }).waitFor();
  const bell = page.locator('#bell');
  await page.waitForFunction(() => document.getElementById('bell').dataset.unread !== undefined);
  const before = Number(await bell.getAttribute('data-unread'));

  const grandson = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  await grandson.goto(base);
  await grandson.getByLabel('Email').fill('minjun@family.test');
  await grandson.getByLabel('Password').fill(PASSWORD);
  await grandson.getByRole('button', { name: 'Sign in', exact: true }).click();
  await grandson.getByRole('link', { name: /Jeju 2019/ }).click();
  await grandson.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  await grandson.locator('main .grid button.tile').first().click(); // a photo that is ready
  const viewer = grandson.getByRole('dialog', { name: 'viewer' });
  await viewer.waitFor({ timeout: 10_000 }).catch(async (err) => {
    const grid = await grandson.evaluate(() => [...document.querySelectorAll('main .grid li')].map((li) => li.innerHTML.slice(0, 160)));
    throw new Error(`the viewer did not open (${err.message.split('\n')[0]}); the album showed:\n${grid.join('\n')}`);
  });
  const like = viewer.getByRole('button', { name: /^Like/ });
  await like.click();
  await grandson.waitForFunction(() => document.querySelector('dialog button.like').getAttribute('aria-pressed') === 'true');
  assert.match(await like.textContent(), /Likes: 1/);
  await viewer.getByRole('button', { name: /^Comments/ }).click();
  const attack = '<img src=x onerror="window.__pwned = 1"><b>bold</b> 정말 예쁘다';
  await viewer.getByLabel('Write a comment').fill(attack);
  await viewer.getByRole('button', { name: 'Send' }).click();
  await viewer.locator('.comment-body').last().waitFor();
  assert.equal(await viewer.locator('.comment-body').last().textContent(), attack, 'shown exactly as typed');
  assert.equal(await viewer.locator('.comments b, .comments img').count(), 0, 'no HTML was made from it');
  assert.equal(await grandson.evaluate(() => window.__pwned), undefined);
  await shot('10-grandson-likes-and-comments', grandson);
  for (const cookie of [...await grandson.context().cookies(), ...await page.context().cookies()]) secrets.add(cookie.value);
  await grandson.close();

  await page.waitForFunction((n) => Number(document.getElementById('bell').dataset.unread) === n, before + 2, { timeout: 15_000 });
  await shot('11-bell-rings');
  await bell.click();
  await page.getByRole('heading', { name: "What's new" }).waitFor();
  await page.getByText('Minjun liked your photo in Jeju 2019').waitFor();
  const quoted = page.locator('.news .comment-body').first();
  assert.equal(await quoted.textContent(), attack);
  assert.equal(await page.locator('.news b, .news li img[src="x"]').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.waitForFunction(() => document.getElementById('bell').dataset.unread === '0');
  await axeCheck('what is new page');
  await shot('12-whats-new');
});

test('she finds photos by part of a word, a comment, or the album name', async () => {
  await page.getByLabel('Search', { exact: true }).fill('jeju');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('heading', { name: 'Search: jeju' }).waitFor();
  await page.getByRole('link', { name: /Jeju 2019/ }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('main .grid .tile').length > 0);
  await axeCheck('search page');
  await shot('13-search');
  await page.getByLabel('Search', { exact: true }).fill('예쁘');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByRole('heading', { name: 'Search: 예쁘' }).waitFor();
  await page.waitForFunction(() => document.querySelectorAll('main .grid .tile').length === 1);
  await page.locator('main .grid .tile').first().click();
  const viewer = page.getByRole('dialog', { name: 'viewer' });
  await viewer.getByRole('button', { name: 'Comments: 1' }).click();
  await viewer.locator('.comment-body').first().waitFor();
  assert.equal(await viewer.locator('.comment-body').count(), 1);
  await viewer.getByRole('button', { name: 'Close' }).click();
  await page.getByLabel('Search', { exact: true }).fill('nothing like this');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.getByText(/Nothing found/).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
});

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

/** Signs in with a password as a phone in Korea would, behind picup's proxy (X-Forwarded-For). */
async function signInFromKorea(email, password) {
  const response = await fetch(`${base}/api/v1/auth/login`, { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'picup', 'User-Agent': IPHONE, 'X-Forwarded-For': '168.126.63.1' },
    body: JSON.stringify({ email, password }) });
  const body = await response.json().catch(() => ({}));
  assert.equal(response.status, 200, JSON.stringify(body));
  if (body.token) secrets.add(body.token);
  for (const cookie of response.headers.getSetCookie()) secrets.add(cookie.split(';')[0].split('=').slice(1).join('='));
}

test('she signs out a lost phone from her devices, and sees roughly where each signed in', async () => {
  await page.getByLabel('Email').fill('grandma@family.test');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Albums' }).waitFor();
  // Her iPhone, on holiday in Korea (KT's resolver's address: DB-IP places it in South Korea).
  await signInFromKorea('grandma@family.test', PASSWORD);
  const lost = await browser.newPage({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36' });
  await lost.goto(base);
  await lost.getByLabel('Email').fill('grandma@family.test');
  await lost.getByLabel('Password').fill(PASSWORD);
  await lost.getByRole('button', { name: 'Sign in', exact: true }).click();
  await lost.getByRole('heading', { name: 'Albums' }).waitFor();
  for (const cookie of await lost.context().cookies()) secrets.add(cookie.value);
  await lost.evaluate(() => { location.hash = '#/devices'; });
  await lost.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
  await lost.locator('ul.devices li', { hasText: 'Safari on iPhone' }).getByText('Signed in from South Korea').waitFor();
  await noSidewaysScrolling(lost, 'devices page');
  await shot('18-devices-phone', lost);

  await page.getByRole('link', { name: 'Devices' }).click();
  await page.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
  await page.getByText('This device').waitFor();
  const korea = page.locator('ul.devices li', { hasText: 'Safari on iPhone' });
  await korea.getByText('Signed in from South Korea').waitFor();
  // This machine's own address is in no database: no place, and no words about one.
  assert.equal(await page.locator('ul.devices li', { hasText: 'This device' }).locator('.place').count(), 0);
  const credit = page.getByRole('link', { name: 'IP geolocation by DB-IP' });
  assert.equal(await credit.getAttribute('href'), 'https://db-ip.com');
  await axeCheck('devices page');
  await shot('18-devices');
  await page.getByRole('button', { name: 'Sign out: Chrome on Android' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Sign out' }).click();
  await page.waitForFunction(() => !document.body.textContent.includes('Chrome on Android'));
  await lost.reload();
  await lost.getByRole('button', { name: 'Sign in', exact: true }).waitFor(); // the lost phone shows the album to nobody
  await lost.close();
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
});

// ---------- passkeys ----------

/** The virtual authenticator (a phone's fingerprint reader, to Chromium) and the DevTools session that made it. */
let cdp;
let authenticatorId;
/** The one-time sign-in links made in the story, and the grandson's new password (the log test looks for them). */
const linkTokens = [];
const NEW_PASSWORD = 'minjun picks a new one';

async function signInWithPassword(target, email, password) {
  await target.getByLabel('Email').fill(email);
  await target.getByLabel('Password').fill(password);
  await target.getByRole('button', { name: 'Sign in', exact: true }).click();
  await target.getByRole('heading', { name: 'Albums' }).waitFor();
}

async function signOut(target) {
  await target.getByRole('button', { name: 'Sign out', exact: true }).click();
  await target.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
}

test('she adds a passkey on her devices page and signs in with her fingerprint, nothing typed', async () => {
  // Chromium's virtual authenticator stands in for the phone's fingerprint reader: it says yes by itself.
  cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  ({ authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal',
    hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } }));

  await page.getByRole('button', { name: 'Sign in with fingerprint or face (passkey)' }).waitFor();
  await signInWithPassword(page, 'grandma@family.test', PASSWORD);
  await page.getByRole('link', { name: 'Devices' }).click();
  const section = page.getByRole('region', { name: 'Fingerprint or face (passkeys)' });
  await section.getByText('No passkeys yet.').waitFor();
  await section.getByRole('button', { name: /Add a passkey/ }).click();
  await section.getByText('Done! Next time, press “Sign in with fingerprint or face”.').waitFor();
  const listed = section.locator('ul.passkeys li');
  assert.equal(await listed.count(), 1);
  assert.match(await listed.first().textContent(), /Added .*Not used yet/);
  await axeCheck('devices page with a passkey');
  await shot('19-devices-passkey');

  await signOut(page);
  const passkeyButton = page.getByRole('button', { name: 'Sign in with fingerprint or face (passkey)' });
  await passkeyButton.waitFor();
  await axeCheck('sign-in page with the passkey button');
  await shot('20-sign-in-passkey');
  const phone = await phonePage();
  await phone.goto(base);
  await phone.getByRole('button', { name: 'Sign in with fingerprint or face (passkey)' }).waitFor();
  await noSidewaysScrolling(phone, 'sign-in page');
  await shot('20b-sign-in-passkey-phone', phone);
  await phone.close();

  await passkeyButton.click();
  await page.getByRole('heading', { name: 'Albums' }).waitFor();
  for (const cookie of await page.context().cookies()) secrets.add(cookie.value);
  await page.getByRole('link', { name: 'Devices' }).click();
  const here = page.locator('ul.devices li', { hasText: 'This device' });
  await here.getByText('Signed in with a passkey (fingerprint or face)').waitFor();
  assert.match(await section.locator('ul.passkeys li').first().textContent(), /Last used/);
  await shot('21-devices-signed-in-with-passkey');
});

/** The passkey the virtual authenticator keeps: its private key (PKCS#8), id, user handle and counter. */
async function storedPasskey() {
  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  assert.equal(credentials.length, 1);
  const [credential] = credentials;
  assert.equal(credential.rpId, 'localhost');
  return credential;
}

/**
 * Signs in as a browser at `origin` would, with the passkey's own key: a fresh ceremony, the
 * client data naming `origin`, authenticator data for "localhost" (user present and verified)
 * with `counter`, signed (DER ECDSA over authenticatorData || SHA-256(clientDataJSON)).
 */
async function craftedPasskeySignIn(credential, origin, counter) {
  const headers = { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' };
  const started = await fetch(`${base}/api/v1/auth/passkey/options`, { method: 'POST', headers });
  assert.equal(started.status, 200);
  const { ceremony, options } = await started.json();
  const clientDataJSON = Buffer.from(JSON.stringify({ type: 'webauthn.get', challenge: options.publicKey.challenge, origin, crossOrigin: false }));
  const count = Buffer.alloc(4);
  count.writeUInt32BE(counter);
  const authenticatorData = Buffer.concat([createHash('sha256').update('localhost').digest(), Buffer.from([0x05]), count]);
  const signature = sign('sha256', Buffer.concat([authenticatorData, createHash('sha256').update(clientDataJSON).digest()]),
    { key: Buffer.from(credential.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  const id = Buffer.from(credential.credentialId, 'base64').toString('base64url');
  const response = await fetch(`${base}/api/v1/auth/passkey`, { method: 'POST', headers, body: JSON.stringify({ ceremony, credential: {
    id, rawId: id, type: 'public-key', extensions: {},
    response: { authenticatorData: authenticatorData.toString('base64url'), clientDataJSON: clientDataJSON.toString('base64url'),
      signature: signature.toString('base64url'), userHandle: Buffer.from(credential.userHandle, 'base64').toString('base64url') },
  } }) });
  const body = await response.json().catch(() => ({}));
  if (body.token) secrets.add(body.token);
  return { status: response.status, body };
}

test('a passkey answering for another website is refused', async () => {
  const credential = await storedPasskey();
  const evil = await craftedPasskeySignIn(credential, 'https://evil.example', credential.signCount + 1);
  assert.equal(evil.status, 401, JSON.stringify(evil.body));
  assert.equal(evil.body.code, 'sign_in_refused');
  // The same, made the same way for picup itself, is let in: what was refused is the origin.
  const control = await craftedPasskeySignIn(credential, base, credential.signCount + 2);
  assert.equal(control.status, 200, JSON.stringify(control.body));
  assert.equal(control.body.user.email, 'grandma@family.test');
  // A real session: it is hers, and it is ended (her devices page lists no stranger afterwards).
  const bearer = { Authorization: `Bearer ${control.body.token}`, 'X-Requested-With': 'picup' };
  assert.equal((await (await fetch(`${base}/api/v1/me`, { headers: bearer })).json()).email, 'grandma@family.test');
  assert.equal((await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: bearer })).status, 204);
});

test('she removes her passkey (the question starts on Cancel), and it signs nobody in after that', async () => {
  const credential = await storedPasskey();
  await page.reload();
  const section = page.getByRole('region', { name: 'Fingerprint or face (passkeys)' });
  const name = await section.locator('ul.passkeys li strong').first().textContent(); // waits for the page to be drawn again
  await section.getByRole('button', { name: `Remove: ${name}` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'Enter does not remove it');
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await section.getByText('The passkey was removed.').waitFor();
  await section.getByText('No passkeys yet.').waitFor();

  const removed = await craftedPasskeySignIn(credential, base, credential.signCount + 10);
  assert.equal(removed.status, 401, JSON.stringify(removed.body));
  assert.equal(removed.body.code, 'sign_in_refused');
  // The phone still holds it; picup says no, in plain words, under the button.
  await signOut(page);
  await page.getByRole('button', { name: 'Sign in with fingerprint or face (passkey)' }).click();
  await page.getByText('This passkey was not accepted. Please try again, or use your email and password.').waitFor();
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  await cdp.detach();
});

// ---------- the admin's sign-in link ----------

test('the admin makes a sign-in link for her grandson; on his phone it signs him in once, and he picks a new password', async () => {
  await signInWithPassword(page, 'grandma@family.test', PASSWORD);
  await page.getByRole('link', { name: 'Family' }).click();
  await page.getByRole('heading', { name: 'Family members' }).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Sign-in link for Grandma' }).count(), 0, 'no link for herself');
  await axeCheck('family page');
  await page.getByRole('button', { name: 'Sign-in link for Minjun' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sign-in link for Minjun' });
  await dialog.waitFor();
  await page.waitForFunction(() => {
    const qr = document.querySelector('dialog img.qr');
    return qr && qr.complete && qr.naturalWidth > 0;
  });
  const link = await dialog.getByLabel('sign-in link').inputValue();
  assert.ok(link.startsWith(`${base}/#/link/`), link);
  const token = link.split('/').pop();
  linkTokens.push(token);
  await dialog.getByText(/^Valid until .+\. It works only once\.$/).waitFor();
  await dialog.getByText('Let Minjun scan this code with their phone’s camera', { exact: false }).waitFor();
  await shot('22-family-link-dialog');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await page.locator('ul.links li', { hasText: 'Minjun' }).getByText(/^Not used yet/).waitFor();

  // The grandson scans it: his own phone, nobody signed in.
  const grandson = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
    userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36' });
  const phone = await grandson.newPage();
  await phone.goto(link);
  await phone.getByRole('heading', { name: 'Welcome, Minjun' }).waitFor();
  await phone.getByText('You are signed in.').waitFor();
  assert.ok(!phone.url().includes(token), `the token is off the address bar: ${phone.url()}`);
  assert.ok(await phone.getByRole('link', { name: 'Family' }).isHidden(), 'the family page is the admin’s');
  await phone.getByRole('button', { name: 'Use my fingerprint or face next time' }).waitFor();
  await noSidewaysScrolling(phone, 'welcome page');
  await shot('23-welcome-phone', phone);
  await axeCheck('welcome page', phone);
  // His phone's fingerprint reader, for next time.
  const phoneCdp = await grandson.newCDPSession(phone);
  await phoneCdp.send('WebAuthn.enable');
  await phoneCdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal',
    hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true } });
  await phone.getByRole('button', { name: 'Use my fingerprint or face next time' }).click();
  await phone.getByText('Done! Next time, press “Sign in with fingerprint or face”.').waitFor();
  assert.ok(await phone.getByRole('button', { name: 'Use my fingerprint or face next time' }).isHidden());
  const { items: hisPasskeys } = await phone.evaluate(() => fetch('/api/v1/passkeys').then((r) => r.json()));
  assert.equal(hisPasskeys.length, 1);
  assert.equal(hisPasskeys[0].name, 'Chrome on Android', 'named after his phone');
  await shot('23a-welcome-passkey-added-phone', phone);
  await phone.getByRole('button', { name: 'Choose a new password' }).click();
  const field = phone.getByLabel('New password');
  await field.fill(NEW_PASSWORD);
  assert.equal(await field.getAttribute('type'), 'password');
  await phone.getByLabel('Show the password').check();
  assert.equal(await field.getAttribute('type'), 'text');
  await phone.getByText('At least 8 characters.', { exact: false }).waitFor();
  await shot('23b-new-password-phone', phone);
  await phone.getByRole('button', { name: 'Save my new password' }).click();
  await phone.getByText('Your new password is saved. Use it next time you sign in.').waitFor();
  await shot('23c-password-saved-phone', phone);
  for (const cookie of await grandson.cookies()) secrets.add(cookie.value);
  await phone.getByRole('link', { name: 'Go to the albums' }).click();
  await phone.getByRole('heading', { name: 'Albums' }).waitFor();
  await signOut(phone);
  await signInWithPassword(phone, 'minjun@family.test', NEW_PASSWORD);
  for (const cookie of await grandson.cookies()) secrets.add(cookie.value);

  // The same link again: used.
  await phone.goto(link);
  await phone.getByRole('heading', { name: 'This link does not work any more' }).waitFor();
  await phone.getByText('This sign-in link was already used or has expired. Please ask the family’s admin for a new one.').waitFor();
  assert.ok(!phone.url().includes(token));
  await noSidewaysScrolling(phone, 'used link page');
  await shot('24-link-used-phone', phone);
  await axeAt('used link page', link, undefined, { width: 390, height: 844 });
  await phone.getByRole('button', { name: 'Go to the sign-in page' }).click();
  await phone.getByRole('heading', { name: 'Albums' }).waitFor(); // still signed in with his new password
  await grandson.close();

  // The admin sees it used.
  await page.reload();
  await page.locator('ul.links li', { hasText: 'Minjun' }).first().getByText(/^Used on /).waitFor();
  await shot('25-family-links');
});

test('a sign-in link on the admin’s phone, opened in Korean, and a link the admin stops', async () => {
  const admin = await phonePage('en-US', page, true); // axe looks at the open dialog too
  await admin.goto(`${base}/#/family`);
  await admin.getByRole('heading', { name: 'Family members' }).waitFor();
  await admin.getByRole('button', { name: 'Sign-in link for Minjun' }).click();
  const dialog = admin.getByRole('dialog', { name: 'Sign-in link for Minjun' });
  await admin.waitForFunction(() => document.querySelector('dialog img.qr')?.naturalWidth > 0);
  const link = await dialog.getByLabel('sign-in link').inputValue();
  linkTokens.push(link.split('/').pop());
  const box = await dialog.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, `the dialog fits the phone: ${JSON.stringify(box)}`);
  await shot('22b-family-link-dialog-phone', admin);
  await runAxe(admin, 'sign-in link dialog');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await noSidewaysScrolling(admin, 'family page');
  await admin.close();

  const korean = await phonePage('ko-KR');
  await korean.goto(link);
  await korean.getByRole('heading', { name: 'Minjun님, 환영해요' }).waitFor();
  await korean.getByRole('button', { name: '다음부터 지문이나 얼굴로 로그인하기' }).waitFor();
  await noSidewaysScrolling(korean, 'welcome page in Korean');
  await shot('26-welcome-phone-ko', korean);
  await korean.getByRole('button', { name: '새 비밀번호 정하기' }).click();
  await korean.getByLabel('새 비밀번호', { exact: true }).waitFor();
  await shot('26b-new-password-phone-ko', korean);
  for (const cookie of await korean.context().cookies()) secrets.add(cookie.value);
  await korean.close();

  // A link made by mistake is stopped before anyone uses it.
  await page.getByRole('button', { name: 'Sign-in link for Minjun' }).click();
  const mistake = page.getByRole('dialog', { name: 'Sign-in link for Minjun' });
  const stopped = await mistake.getByLabel('sign-in link').inputValue();
  linkTokens.push(stopped.split('/').pop());
  await mistake.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Stop this link: Minjun' }).click();
  const question = page.getByRole('dialog', { name: 'Stop the sign-in link for Minjun? It will no longer work.' });
  await question.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel');
  await question.getByRole('button', { name: 'Stop this link' }).click();
  await page.getByText('The link was stopped.').waitFor();
  assert.equal(await page.getByRole('button', { name: /^Stop this link/ }).count(), 0);
  await page.locator('ul.links li').first().getByText(/^Stopped on /).waitFor();
  const statuses = await page.locator('ul.links .link-status').allTextContents();
  assert.deepEqual(statuses.map((text) => text.split(' ')[0]), ['Stopped', 'Used', 'Used'], statuses.join(' | '));
  const stranger = await phonePage();
  await stranger.goto(stopped);
  await stranger.getByRole('heading', { name: 'This link does not work any more' }).waitFor();
  await stranger.close();
  await signOut(page);
});

// ---------- signing in with an account elsewhere (OpenID Connect) ----------

/** The codes and states the provider sent back through the browser (the log test looks for them). */
const oidcReturns = [];

/** Notes every return from the provider that a context's pages make (the callback's query string). */
function watchProviderReturns(context) {
  context.on('request', (request) => {
    const url = new URL(request.url());
    if (!url.pathname.startsWith('/api/v1/auth/oidc/') || !url.pathname.endsWith('/callback')) return;
    const code = url.searchParams.get('code');
    const state = url.searchParams.get('state');
    if (code) oidcReturns.push({ code, state });
    for (const value of [code, state]) if (value) secrets.add(value);
  });
}

/**
 * Presses what leaves for the provider (`press`), types `login` on its sign-in page if it shows
 * one (`onForm` first, for a screenshot), and waits until the provider sends the browser back to
 * picup. Says whether the page was shown (with its own session the provider may skip it, and
 * then the whole trip is over in a blink: hence the watching starts before the press).
 */
async function throughProvider(target, press, login, onForm) {
  const back = target.waitForRequest((request) => new URL(request.url()).pathname.endsWith('/callback'), { timeout: 30_000 });
  const form = target.locator('#login');
  await press();
  const first = await Promise.race([back.then(() => 'back'), form.waitFor({ timeout: 30_000 }).then(() => 'form')]);
  if (first === 'form') {
    assert.ok(target.url().startsWith(`${issuer}/interaction/`), target.url());
    if (onForm) await onForm();
    await form.fill(login);
    await target.locator('#password').fill('anything');
    await target.locator('#submit').click();
    await back;
  }
  return first === 'form';
}

const PIXEL = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36';
/** The new relative's phone, kept for the next test. */
let jiwoo;

test('a new relative joins from an invite link with the “Join with Family login” button, on her phone', async () => {
  await signInWithPassword(page, 'grandma@family.test', PASSWORD);
  await page.getByRole('link', { name: /Jeju 2019/ }).click();
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share this album' });
  await dialog.getByRole('button', { name: 'Make an invite link' }).click();
  const link = await dialog.getByLabel('invite link').inputValue();
  const invite = new URL(link).searchParams.get('invite');
  secrets.add(invite);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await signOut(page);

  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: PIXEL });
  watchProviderReturns(context);
  jiwoo = await context.newPage();
  await jiwoo.goto(link);
  await jiwoo.getByRole('heading', { name: 'Join the family album' }).waitFor();
  const join = jiwoo.getByRole('link', { name: 'Join with Family login' });
  assert.equal(await join.getAttribute('href'), `/api/v1/auth/oidc/family/start?invite=${encodeURIComponent(invite)}`);
  await jiwoo.getByText('Or choose your name, email and a password:').waitFor();
  await noSidewaysScrolling(jiwoo, 'join page');
  await shot('27-join-with-provider-phone', jiwoo);
  await axeAt('join page with the provider button', link, undefined, { width: 390, height: 844 });

  const returns = oidcReturns.length;
  const shown = await throughProvider(jiwoo, () => join.click(), 'jiwoo', async () => {
    await jiwoo.getByRole('button', { name: 'Sign-in' }).waitFor();
    await noSidewaysScrolling(jiwoo, 'the provider’s sign-in page');
    await shot('28-provider-login-phone', jiwoo);
  });
  assert.ok(shown, 'a new phone: the provider asks who she is');
  // Back in picup, signed in, with the album she was invited to.
  await jiwoo.getByRole('heading', { name: 'Albums' }).waitFor();
  await jiwoo.getByRole('link', { name: /Jeju 2019/ }).waitFor();
  assert.equal(jiwoo.url(), `${base}/#/albums`, 'the invite is off the address bar');
  assert.equal(oidcReturns.length, returns + 1, 'one return from the provider');
  const me = await jiwoo.evaluate(() => fetch('/api/v1/me').then((r) => r.json()));
  assert.equal(me.display_name, 'Jiwoo', 'her name, from the provider');
  assert.equal(me.email, 'jiwoo@family.example', 'her verified email, from the provider');
  for (const cookie of await context.cookies()) secrets.add(cookie.value);
  await shot('27b-joined-with-provider-phone', jiwoo);
});

test('she signs out, and back in with “Sign in with Family login”; her devices page says how', async () => {
  await signOut(jiwoo);
  // The provider's own session may let her through without its form.
  await throughProvider(jiwoo, () => jiwoo.getByRole('link', { name: 'Sign in with Family login' }).click(), 'jiwoo');
  await jiwoo.getByRole('heading', { name: 'Albums' }).waitFor();
  assert.equal((await jiwoo.evaluate(() => fetch('/api/v1/me').then((r) => r.json()))).email, 'jiwoo@family.example');
  await jiwoo.evaluate(() => { location.hash = '#/devices'; });
  await jiwoo.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
  await jiwoo.locator('ul.devices li', { hasText: 'This device' }).getByText('Signed in with Family login').waitFor();
  const accounts = jiwoo.getByRole('region', { name: 'Accounts you sign in with' });
  const linked = accounts.locator('ul.identities li');
  assert.equal(await linked.count(), 1);
  assert.match(await linked.first().textContent(), /Family login.*jiwoo@family\.example.*Linked .*Last used to sign in /);
  assert.equal(await accounts.getByRole('button', { name: /^Link my/ }).count(), 0, 'nothing more to link');
  await noSidewaysScrolling(jiwoo, 'devices page with a linked account');
  await shot('29c-devices-joined-with-provider-phone', jiwoo);
  for (const cookie of await jiwoo.context().cookies()) secrets.add(cookie.value);
  await jiwoo.context().close();
});

test('grandma links her Family login under Devices, signs in with it, and unlinks it', async () => {
  watchProviderReturns(page.context());
  await signInWithPassword(page, 'grandma@family.test', PASSWORD);
  await page.getByRole('link', { name: 'Devices' }).click();
  const accounts = page.getByRole('region', { name: 'Accounts you sign in with' });
  await accounts.getByText('No accounts linked yet.').waitFor();
  const linkButton = accounts.getByRole('button', { name: 'Link my Family login account' });
  const shown = await throughProvider(page, () => linkButton.click(), 'halmoni', async () => {
    await page.getByRole('button', { name: 'Sign-in' }).waitFor();
    await shot('28b-provider-login');
  });
  assert.ok(shown, 'this browser had not signed in at the provider');
  // Back on the devices page, which says it worked.
  await page.getByRole('heading', { name: 'Signed-in devices' }).waitFor();
  await accounts.getByText('Done! Next time, press “Sign in with Family login”.').waitFor();
  const linked = accounts.locator('ul.identities li');
  assert.equal(await linked.count(), 1);
  assert.match(await linked.first().textContent(), /Family login.*halmoni@family\.example.*Linked .*Not used to sign in yet/);
  assert.equal(await linkButton.count(), 0);
  // Her iPhone in Korea is still listed, with its place, and the database's credit.
  await page.locator('ul.devices li', { hasText: 'Safari on iPhone' }).getByText('Signed in from South Korea').waitFor();
  await page.getByRole('link', { name: 'IP geolocation by DB-IP' }).waitFor();
  await axeCheck('devices page with a linked account');
  await shot('29-devices-linked-account-places');
  const phone = await phonePage('en-US', page);
  await phone.goto(`${base}/#/devices`);
  await phone.getByRole('region', { name: 'Accounts you sign in with' }).getByText('halmoni@family.example').waitFor();
  await phone.locator('ul.devices li', { hasText: 'Safari on iPhone' }).getByText('Signed in from South Korea').waitFor();
  await noSidewaysScrolling(phone, 'devices page with a linked account');
  await shot('29b-devices-linked-account-places-phone', phone);
  await phone.close();

  // The sign-in page: the provider's button under the passkey's, above the email.
  await signOut(page);
  const button = page.getByRole('link', { name: 'Sign in with Family login' });
  assert.equal(await button.getAttribute('href'), '/api/v1/auth/oidc/family/start');
  const order = await page.evaluate(() => {
    const at = (selector) => document.querySelector(selector).getBoundingClientRect().top;
    return [at('button.passkey'), at('a.provider'), at('input[name=email]')];
  });
  assert.ok(order[0] < order[1] && order[1] < order[2], `passkey, provider, email from the top: ${order}`);
  await axeCheck('sign-in page with the provider button');
  await shot('30-sign-in-providers');
  const signedOutPhone = await phonePage();
  await signedOutPhone.goto(base);
  const big = await signedOutPhone.getByRole('link', { name: 'Sign in with Family login' }).boundingBox();
  const card = await signedOutPhone.locator('form.card input[name=email]').boundingBox();
  assert.ok(big.height >= 48 && big.width >= card.width - 1, `a big button, as wide as the form, on a phone: ${JSON.stringify(big)}`);
  await noSidewaysScrolling(signedOutPhone, 'sign-in page');
  await shot('30b-sign-in-providers-phone', signedOutPhone);
  await signedOutPhone.close();
  const korean = await phonePage('ko-KR');
  await korean.goto(base);
  await korean.getByRole('link', { name: 'Family login 계정으로 로그인' }).waitFor();
  await korean.getByRole('button', { name: '지문이나 얼굴로 로그인 (패스키)' }).waitFor();
  await noSidewaysScrolling(korean, 'sign-in page in Korean');
  await shot('30c-sign-in-providers-phone-ko', korean);
  await korean.close();

  // Signing in with it: the provider remembers her, so one press.
  await throughProvider(page, () => button.click(), 'halmoni');
  await page.getByRole('heading', { name: 'Albums' }).waitFor();
  assert.equal((await page.evaluate(() => fetch('/api/v1/me').then((r) => r.json()))).email, 'grandma@family.test');
  for (const cookie of await page.context().cookies()) secrets.add(cookie.value);
  await page.getByRole('link', { name: 'Devices' }).click();
  await page.locator('ul.devices li', { hasText: 'This device' }).getByText('Signed in with Family login').waitFor();
  await accounts.locator('ul.identities li').getByText(/^Last used to sign in /).waitFor();

  // Unlinked (the question starts on Cancel), it signs her in no more.
  await accounts.getByRole('button', { name: 'Unlink: Family login' }).click();
  const question = page.getByRole('dialog');
  await question.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Cancel', 'Enter does not unlink it');
  await question.getByRole('button', { name: 'Unlink' }).click();
  await accounts.getByText('Your Family login account was unlinked.').waitFor();
  await accounts.getByText('No accounts linked yet.').waitFor();
  await accounts.getByRole('button', { name: 'Link my Family login account' }).waitFor();
  await signOut(page);
  await throughProvider(page, () => page.getByRole('link', { name: 'Sign in with Family login' }).click(), 'halmoni');
  await page.getByRole('heading', { name: 'That did not work' }).waitFor();
  assert.equal(page.url(), `${base}/#/oidc-error/oidc_unknown`);
  await page.getByRole('button', { name: 'Go to the sign-in page' }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
});

test('someone nobody invited who presses the provider’s button is told, in plain words, what to do', async () => {
  const unknown = 'This account is not part of the family album yet. Ask a family member for an invite link.';
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  watchProviderReturns(context);
  const stranger = await context.newPage();
  await stranger.goto(base);
  assert.ok(await throughProvider(stranger, () => stranger.getByRole('link', { name: 'Sign in with Family login' }).click(), 'stranger'),
    'a new browser: the provider asks who it is');
  await stranger.getByRole('heading', { name: 'That did not work' }).waitFor();
  assert.equal(stranger.url(), `${base}/#/oidc-error/oidc_unknown`);
  await stranger.getByText(unknown, { exact: false }).waitFor();
  assert.ok(await stranger.getByRole('link', { name: 'Albums' }).isHidden(), 'not signed in');
  assert.equal(await stranger.evaluate(() => fetch('/api/v1/me').then((response) => response.status)), 401);
  await axeCheck('sign-in refused page', stranger);
  await shot('31-oidc-error', stranger);
  await stranger.getByRole('button', { name: 'Go to the sign-in page' }).click();
  await stranger.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  assert.equal(stranger.url().split('#')[0], `${base}/`);
  await context.close();

  // On a phone: one who says no at the provider, then one nobody knows.
  const phoneContext = await browser.newContext({ locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, userAgent: PIXEL });
  watchProviderReturns(phoneContext);
  const phone = await phoneContext.newPage();
  await phone.goto(base);
  await phone.getByRole('link', { name: 'Sign in with Family login' }).click();
  await phone.locator('#cancel').click();
  await phone.getByText('Signing in was stopped before it finished. Nothing has changed.', { exact: false }).waitFor();
  assert.equal(phone.url(), `${base}/#/oidc-error/oidc_cancelled`);
  await noSidewaysScrolling(phone, 'cancelled page');
  await shot('31c-oidc-cancelled-phone', phone);
  await phone.getByRole('button', { name: 'Go to the sign-in page' }).click();
  assert.ok(await throughProvider(phone, () => phone.getByRole('link', { name: 'Sign in with Family login' }).click(), 'nobody'));
  await phone.getByText(unknown, { exact: false }).waitFor();
  await noSidewaysScrolling(phone, 'sign-in refused page');
  const back = await phone.getByRole('button', { name: 'Go to the sign-in page' }).boundingBox();
  assert.ok(back.height >= 48 && back.x >= 0 && back.x + back.width <= 390, `the way back fits and is big: ${JSON.stringify(back)}`);
  await shot('31b-oidc-error-phone', phone);
  // In Korean; and a word the page does not know gets the general message.
  await phone.getByLabel('Language').selectOption('ko');
  await phone.getByRole('heading', { name: '잘 되지 않았어요' }).waitFor();
  await phone.getByText('이 계정은 아직 가족 앨범에 없어요.', { exact: false }).waitFor();
  await shot('31d-oidc-error-phone-ko', phone);
  await phone.getByLabel('언어').selectOption('en');
  await phone.evaluate(() => { location.hash = '#/oidc-error/constructor'; });
  await phone.getByText('Signing in did not work. Please try again, or sign in with your email and password.').waitFor();
  await phoneContext.close();
});

test('no password, session token, invite or storage key ever reaches the logs', async () => {
  secrets.add(PASSWORD);
  // The admin's sign-in links (their tokens are in the link) and the password the grandson chose with one.
  assert.equal(linkTokens.length, 3);
  for (const token of linkTokens) secrets.add(token);
  secrets.add(NEW_PASSWORD);
  // What the provider sent back through the browser: a code (it signs someone in once) and state.
  assert.ok(oidcReturns.length >= 5, `returns from the provider seen: ${oidcReturns.length}`);
  assert.ok(serverLog.includes('provider account linked'), 'the OpenID flows were logged');
  // The embedded store's secret key (the key id is public: it is in every presigned URL).
  secrets.add(readFileSync(join(dataDir, 'embedded-s3-credentials'), 'utf8').trim().split(':')[1]);
  assert.ok(serverLog.length > 10_000, `the server logged the whole run at debug level (${serverLog.length} bytes)`);
  assert.ok(secrets.size >= 4, `secrets to look for: ${secrets.size}`);
  for (const secret of secrets) {
    const at = serverLog.indexOf(secret);
    assert.ok(secret.length >= 8 && at < 0, `a secret (${secret.slice(0, 3)}…) appears in the logs: ${serverLog.slice(Math.max(0, at - 300), at).replaceAll(secret, '<secret>')}`);
  }
});

test('in Korean, on a phone', async () => {
  const phone = await browser.newPage({ locale: 'ko-KR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await phone.goto(base);
  await phone.getByRole('button', { name: '로그인', exact: true }).waitFor();
  await phone.getByLabel('이메일').fill('grandma@family.test');
  await phone.getByLabel('비밀번호').fill(PASSWORD);
  await phone.getByRole('button', { name: '로그인', exact: true }).click();
  await phone.getByRole('heading', { name: '앨범' }).waitFor();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
  await shot('14-phone-albums-ko', phone);
  await phone.evaluate(() => { location.hash = '#/devices'; });
  await phone.getByRole('heading', { name: '로그인된 기기' }).waitFor();
  await phone.locator('ul.devices li', { hasText: 'Safari on iPhone' }).getByText('대한민국에서 로그인함').waitFor();
  await phone.getByRole('link', { name: 'IP geolocation by DB-IP' }).waitFor();
  await noSidewaysScrolling(phone, 'devices page in Korean');
  await shot('14b-phone-devices-ko', phone);
  await phone.evaluate(() => { location.hash = '#/albums'; });
  await phone.getByRole('heading', { name: '앨범' }).waitFor();
  await phone.getByRole('link', { name: /Jeju 2019/ }).click();
  await phone.getByRole('button', { name: /사진과 동영상 추가/ }).waitFor();
  await phone.waitForFunction(() => document.querySelectorAll('main .grid .tile img').length > 0
    && [...document.querySelectorAll('main .grid .tile img')].every((img) => img.complete && img.naturalWidth > 0));
  await shot('15-phone-album-ko', phone);
  await phone.close();
});
