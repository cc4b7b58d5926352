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
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { apiFrom, drawnPhotos as drawPhotos, freePort } from './harness.js';

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

/** A screenshot of the whole page; `screen` for what a phone's screen shows (its bars fixed where they are). */
async function shot(name, target = page, { screen = false } = {}) {
  const path = join(output, `${name}.png`);
  await target.screenshot({ path, fullPage: !screen });
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
const drawnPhotos = (count, prefix = 'drawn') => drawPhotos(page, count, prefix);

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
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
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
  await page.getByText(`Finished: ${files.length} of ${files.length}`).waitFor({ timeout: 60_000 });
  await waitForThumbnails(files.length);
  assert.equal(await tiles(), files.length);
  await axeCheck('album page');
  await shot('03-album-with-photos');
});

test('the viewer shows a photo and pages with the arrow keys and buttons', async () => {
  await page.locator('main .grid .tile').first().click();
  const viewer = page.getByRole('dialog', { name: 'viewer' });
  await viewer.waitFor();
  // The preview, or the video (the enlarged thumbnail may be there too while the preview comes).
  await viewer.locator('.stage img.full, .stage video').first().waitFor();
  const count = await tiles();
  await assert.doesNotReject(viewer.getByText(`1 / ${count}`).waitFor());
  await page.keyboard.press('ArrowRight');
  await viewer.getByText(`2 / ${count}`).waitFor();
  await page.waitForFunction(() => [...document.querySelectorAll('dialog .stage img')].every((img) => img.complete && img.naturalWidth > 0));
  await shot('04-viewer');
  await viewer.getByRole('button', { name: /Previous/ }).click();
  await viewer.getByText(`1 / ${count}`).waitFor();
  await viewer.getByRole('button', { name: 'More' }).click();
  assert.ok(await viewer.getByRole('link', { name: 'Download original' }).getAttribute('href'));
  await closeViewer(page);
});

/** Closes the viewer with its Close button, and waits until its history entry is gone too. */
async function closeViewer(target) {
  await target.locator('dialog.viewer').getByRole('button', { name: /^(Close|닫기)$/ }).click();
  await target.waitForFunction(() => !document.querySelector('dialog.viewer') && !history.state?.picupViewer);
}

/** Deletes the album's first photo from the viewer and opens the trash; returns the tiles before. */
async function deleteFirstPhotoAndOpenTrash() {
  const before = await tiles();
  await page.locator('main .grid .tile').first().click();
  const viewer = page.getByRole('dialog', { name: 'viewer' });
  await viewer.getByRole('button', { name: 'More' }).click();
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
  // A small phone (an iPhone SE's 375x667), so that the 14 tiles are surely taller than the screen.
  // No service worker: the album's requests must come from the page, where the test rewrites them.
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 667 }, serviceWorkers: 'block',
    storageState: await page.context().storageState() });
  const phone = await context.newPage();
  await phone.goto(`${base}/#/albums`);
  await phone.getByRole('button', { name: /New album/ }).click();
  await phone.getByLabel('Album name').fill('Many pages');
  await phone.getByRole('button', { name: 'Create' }).click();
  await phone.getByRole('heading', { name: 'Many pages' }).waitFor();
  const count = 14;
  await phone.locator('input[type=file]').setInputFiles(await drawnPhotos(count, 'page'));
  await phone.getByText(`Finished: ${count} of ${count}`).waitFor({ timeout: 60_000 });
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
    // A reload can cancel the request while it is held here; then there is nothing to answer.
    await route.fulfill({ response, json }).catch((error) => { if (!/already handled/.test(error.message)) throw error; });
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
  // The last pages may have come while the screen was not yet full, with no scrolling: go down now.
  await phone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await settle();
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
  await closeViewer(page);
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
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
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
  await closeViewer(page);
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
  // On a phone, signing out is on the settings page.
  if (!(await target.locator('#signout').isVisible())) {
    await target.getByRole('link', { name: 'Settings' }).click();
    await target.getByRole('heading', { name: 'Settings' }).waitFor();
  }
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

// ---------- her phone (#20): what a 74-year-old checks on a 390 x 844 screen ----------

/** Grandma's phone, signed in, kept for the tests below (axe may run in it as it is). */
let grandmaPhone;
/** The Jeju album's address. */
let jejuUrl;
const SOOJA_PASSWORD = 'sooja picks a long one';

/** What the page's main part shows, as she reads it. */
const mainText = (target) => target.evaluate(() => document.getElementById('main').innerText);

/** Whether a box is whole within the phone's screen and big enough for a finger. */
function withinScreen(box, label, minHeight = 48) {
  assert.ok(box, `${label}: shown`);
  assert.ok(box.x >= -0.5 && box.y >= -0.5 && box.x + box.width <= 390.5 && box.y + box.height <= 844.5,
    `${label}: within the screen: ${JSON.stringify(box)}`);
  assert.ok(box.height >= minHeight, `${label}: big enough for a finger: ${JSON.stringify(box)}`);
}

async function firstTileTop(target) {
  return (await target.locator('main .grid li').first().boundingBox()).y;
}

/** None of what only a signed-in person sees (menus, tabs, bell, settings) is shown. */
async function noSignedInMenus(target, label) {
  for (const id of ['tabs', 'settings-link', 'bell', 'nav', 'search', 'storage', 'signout']) {
    assert.ok(!(await target.locator(`#${id}`).isVisible()), `${label}: no #${id}`);
  }
}

/** The tab bar at the bottom of a phone. */
const tabBar = (target, name = 'Pages') => target.getByRole('navigation', { name });

async function openJejuOnPhone(target = grandmaPhone) {
  await tabBar(target).getByRole('link', { name: 'Albums' }).tap();
  await target.getByRole('heading', { name: 'Albums' }).waitFor();
  await target.getByRole('link', { name: /Jeju 2019/ }).tap();
  await target.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  await target.locator('main .grid .tile img').first().waitFor();
}

/** The ready photos and videos of an album, as the api lists them (newest first). */
function albumItems(target, albumId) {
  return target.evaluate(async (id) => (await (await fetch(`/api/v1/albums/${id}/media?limit=200`)).json()).items
    .filter((item) => item.status === 'ready'), albumId);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

test('on her phone: one row on top, a labelled tab bar, settings on one page, the photos near the top, no stray "null"', async () => {
  grandmaPhone = await phonePage('en-US', null, true);
  await grandmaPhone.goto(base);
  await grandmaPhone.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await noSignedInMenus(grandmaPhone, 'the sign-in page');
  await signInWithPassword(grandmaPhone, 'grandma@family.test', PASSWORD);
  for (const cookie of await grandmaPhone.context().cookies()) secrets.add(cookie.value);

  const bar = await grandmaPhone.locator('header.bar').boundingBox();
  assert.ok(bar.height <= 72, `one row on top: ${bar.height}px`);
  for (const name of ['Albums', "What's new", 'Search']) withinScreen(await tabBar(grandmaPhone).getByRole('link', { name }).boundingBox(), `the ${name} tab`, 56);
  assert.equal(await tabBar(grandmaPhone).getByRole('link', { name: 'Albums' }).getAttribute('aria-current'), 'page');
  const bell = grandmaPhone.getByRole('link', { name: /^Notifications/ });
  assert.match(await bell.innerText(), /^\s*Notifications/, 'the bell says what it is');
  withinScreen(await bell.boundingBox(), 'the bell');
  withinScreen(await grandmaPhone.getByRole('link', { name: 'Settings' }).boundingBox(), 'Settings');
  for (const moved of ['#nav', '#search', '#storage', '#signout', '#lang']) {
    assert.ok(!(await grandmaPhone.locator(moved).isVisible()), `${moved} is on the settings page, not on top`);
  }
  const albumTop = await firstTileTop(grandmaPhone);
  assert.ok(albumTop <= 200, `the first album starts near the top: ${albumTop}px`);
  // Her own album, shared with the family (the api's member_count, #20).
  await grandmaPhone.getByRole('link', { name: /Jeju 2019/ }).getByText(/^Shared with (1 person|\d+ people)$/).waitFor();
  assert.doesNotMatch(await mainText(grandmaPhone), /null/);
  await noSidewaysScrolling(grandmaPhone, 'albums page');
  await shot('40-phone-albums', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'albums page on a phone');

  // The owner's album: the first photo near the top, the big Add button in reach, no words about dropping.
  await grandmaPhone.getByRole('link', { name: /Jeju 2019/ }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  await grandmaPhone.locator('main .grid .tile img').first().waitFor();
  jejuUrl = grandmaPhone.url();
  const photoTop = await firstTileTop(grandmaPhone);
  assert.ok(photoTop <= 200, `the first photo starts near the top: ${photoTop}px`);
  withinScreen(await grandmaPhone.getByRole('button', { name: /Add photos and videos/ }).boundingBox(), 'Add photos and videos');
  assert.ok(!(await grandmaPhone.getByText('or drop photos and videos here').isVisible()), 'no words about dropping files on a phone');
  assert.doesNotMatch(await mainText(grandmaPhone), /null/);
  await noSidewaysScrolling(grandmaPhone, 'album page');
  await shot('41-phone-album', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'album page on a phone');

  // Settings: everything else on one page.
  await grandmaPhone.getByRole('link', { name: 'Settings' }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Settings' }).waitFor();
  const settings = grandmaPhone.getByRole('main');
  for (const name of ['Trash', 'Devices and sign-in', 'Family']) withinScreen(await settings.getByRole('link', { name }).boundingBox(), name, 56);
  await settings.getByText(/^[\d.]+ [KMG]?B of [\d.]+ GB used$/).waitFor();
  assert.equal(await settings.getByRole('combobox', { name: 'Language' }).inputValue(), 'en');
  withinScreen(await settings.getByRole('button', { name: 'Sign out' }).boundingBox(), 'Sign out');
  await noSidewaysScrolling(grandmaPhone, 'settings page');
  await shot('46-phone-settings', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'settings page');

  // Search from its tab: the page has its own box; no "null" above the results.
  await tabBar(grandmaPhone).getByRole('link', { name: 'Search' }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Search', exact: true }).waitFor();
  await grandmaPhone.getByLabel('What are you looking for?').fill('jeju');
  await grandmaPhone.getByRole('main').getByRole('button', { name: 'Search' }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Search: jeju' }).waitFor();
  await grandmaPhone.locator('main .grid .tile').first().waitFor();
  assert.equal(await tabBar(grandmaPhone).getByRole('link', { name: 'Search' }).getAttribute('aria-current'), 'page');
  assert.doesNotMatch(await mainText(grandmaPhone), /null/);

  // A page opens at its top, with no frame drawn around it.
  await tabBar(grandmaPhone).getByRole('link', { name: 'Albums' }).tap();
  await grandmaPhone.getByRole('link', { name: /Many pages/ }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Many pages' }).waitFor();
  await grandmaPhone.locator('main .grid .tile img').first().waitFor();
  await grandmaPhone.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  assert.ok(await grandmaPhone.evaluate(() => window.scrollY) > 0, 'scrolled down');
  await tabBar(grandmaPhone).getByRole('link', { name: 'Albums' }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Albums' }).waitFor();
  const opened = await grandmaPhone.evaluate(() => {
    const main = document.getElementById('main');
    return { y: window.scrollY, focused: document.activeElement === main, outline: getComputedStyle(main).outlineStyle };
  });
  assert.deepEqual(opened, { y: 0, focused: true, outline: 'none' });
});

test('on her phone, Back closes the photo and leaves her in the album; a long sideways swipe pages and never leaves', async () => {
  await openJejuOnPhone();
  const album = grandmaPhone.url();
  const count = await tiles(grandmaPhone);
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  await viewer.getByText(/^1 \/ \d+$/).waitFor();
  // Nothing lets the browser go back a page from a sideways overscroll.
  const styles = await grandmaPhone.evaluate(() => ({
    html: getComputedStyle(document.documentElement).overscrollBehaviorX,
    body: getComputedStyle(document.body).overscrollBehaviorX,
    viewer: getComputedStyle(document.querySelector('dialog.viewer')).overscrollBehaviorX,
    stage: getComputedStyle(document.querySelector('dialog.viewer .stage')).touchAction,
  }));
  assert.deepEqual(styles, { html: 'none', body: 'none', viewer: 'none', stage: 'pan-y pinch-zoom' });
  // A long swipe from right to left, as a finger does it: the next photo, on the same page.
  const cdp = await grandmaPhone.context().newCDPSession(grandmaPhone);
  const touch = (type, x) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y: 250 }] });
  await touch('touchStart', 300);
  for (const x of [260, 200, 140, 80, 20, 2]) await touch('touchMove', x);
  await touch('touchEnd');
  await viewer.getByText(/^2 \/ \d+$/).waitFor();
  assert.equal(grandmaPhone.url(), album, 'still in the album');
  await cdp.detach();

  // One row of big buttons, all within the screen (and the arrows, Close).
  const shown = viewer.locator('button:visible, a:visible');
  assert.ok(await shown.count() >= 6, 'previous, next, close, like, comments, more');
  for (const control of await shown.all()) withinScreen(await control.boundingBox(), `"${(await control.innerText()).trim() || await control.getAttribute('aria-label')}"`);
  const row = await viewer.locator('.controls').boundingBox();
  assert.ok(row.y + row.height <= 844 && row.height <= 96, `one row: ${JSON.stringify(row)}`);
  await shot('42-phone-viewer', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'viewer on a phone');
  // What goes wrong is said in the viewer, where she is, not on the page under it.
  await grandmaPhone.route('**/api/v1/media/*/like', (route) => route.abort('connectionreset'));
  await viewer.getByRole('button', { name: /^Like/ }).tap();
  const said = viewer.locator('#toast');
  await said.getByText('Cannot reach picup.', { exact: false }).waitFor();
  assert.ok(await said.evaluate((box) => {
    const r = box.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight && box.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
  }), 'the message is on top, in view');
  await grandmaPhone.unroute('**/api/v1/media/*/like');
  await grandmaPhone.evaluate(() => document.getElementById('toast').replaceChildren());
  await viewer.getByRole('button', { name: 'More' }).tap();
  const download = viewer.getByRole('link', { name: 'Download original' });
  withinScreen(await download.boundingBox(), 'Download original');
  // It saves the file, with its name, rather than opening it in another tab.
  const saved = await grandmaPhone.context().request.get(new URL(await download.getAttribute('href'), base).toString());
  assert.equal(saved.status(), 200);
  assert.match(saved.headers()['content-disposition'] || '', /^attachment/);
  withinScreen(await viewer.getByRole('button', { name: 'Delete' }).boundingBox(), 'Delete');
  await shot('43-phone-viewer-more', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'viewer with its More menu');

  // Back (Android's Back too): the photo closes; the album is there, at the album's address.
  await grandmaPhone.goBack();
  await grandmaPhone.waitForFunction(() => !document.querySelector('dialog.viewer'));
  await grandmaPhone.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  assert.equal(grandmaPhone.url(), album);
  assert.equal(await tiles(grandmaPhone), count);
  // Closed with its button, the photo leaves nothing behind in the history: Back goes to the albums.
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  await viewer.waitFor();
  await closeViewer(grandmaPhone);
  await grandmaPhone.goBack();
  await grandmaPhone.getByRole('heading', { name: 'Albums' }).waitFor();
});

test('on her phone, the comments are a half sheet with a title and a big close button, below the whole photo', async () => {
  await openJejuOnPhone();
  const albumId = jejuUrl.split('/').pop();
  const commented = (await albumItems(grandmaPhone, albumId)).find((item) => item.comment_count > 0);
  await grandmaPhone.getByRole('button', { name: new RegExp(`^${escapeRegExp(commented.filename)},`) }).tap();
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  await viewer.getByRole('button', { name: /^Comments: 1/ }).tap();
  const sheet = viewer.getByRole('region', { name: 'Comments' });
  await sheet.getByRole('heading', { name: 'Comments' }).waitFor();
  await sheet.locator('.comment-body').first().waitFor();
  const hide = sheet.getByRole('button', { name: 'Hide comments' });
  withinScreen(await hide.boundingBox(), 'Hide comments');
  const box = await sheet.boundingBox();
  assert.ok(box.y >= 844 * 0.35 && box.y + box.height <= 844.5, `a half sheet at the bottom: ${JSON.stringify(box)}`);
  await grandmaPhone.waitForFunction(() => document.querySelector('dialog.viewer .stage img.full')?.naturalWidth > 0);
  const painted = await grandmaPhone.evaluate(() => {
    const img = document.querySelector('dialog.viewer .stage img.full');
    const r = img.getBoundingClientRect();
    const height = img.naturalHeight * Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
    return { top: r.top + (r.height - height) / 2, bottom: r.top + (r.height + height) / 2 };
  });
  assert.ok(painted.top >= 0 && painted.bottom <= box.y + 1, `the photo is in view above the sheet: ${JSON.stringify(painted)}, sheet at ${box.y}`);
  await shot('45-phone-comments', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'comments sheet');
  await hide.tap();
  await sheet.waitFor({ state: 'hidden' });
  await closeViewer(grandmaPhone);
});

test('a notification opens that photo with its comments, even when it is not on the album’s first page; the bell says what it is', async () => {
  const albumId = jejuUrl.split('/').pop();
  // The grandson comments on the album's last photo.
  const minjun = await browser.newContext({ locale: 'en-US' });
  const his = await minjun.newPage();
  await his.goto(base);
  await signInWithPassword(his, 'minjun@family.test', NEW_PASSWORD);
  const photos = (await albumItems(his, albumId)).filter((item) => item.kind === 'photo');
  const last = photos[photos.length - 1];
  const said = 'What a lovely day by the waterfall';
  await his.evaluate(async ([id, body]) => {
    const response = await fetch(`/api/v1/media/${id}/comments`, { method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' }, body: JSON.stringify({ body }) });
    if (!response.ok) throw new Error(await response.text());
  }, [last.id, said]);
  for (const cookie of await minjun.cookies()) secrets.add(cookie.value);
  await minjun.close();

  // Pages of 2 photos, the later ones slow to come: the last photo is far from what is loaded.
  const loaded = [];
  let release;
  const later = new Promise((resolve) => { release = resolve; });
  await grandmaPhone.route(`**/api/v1/albums/${albumId}/media?**`, async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('limit') === '60') url.searchParams.set('limit', '2');
    if (url.searchParams.has('cursor')) await later;
    const response = await route.fetch({ url: url.toString() });
    const json = await response.json();
    loaded.push(...json.items.map((item) => item.id));
    // A reload can cancel the request while it is held here; then there is nothing to answer.
    await route.fulfill({ response, json }).catch((error) => { if (!/already handled/.test(error.message)) throw error; });
  });
  await grandmaPhone.waitForFunction(() => Number(document.getElementById('bell').dataset.unread) > 0, null, { timeout: 15_000 });
  await grandmaPhone.getByRole('link', { name: /^Notifications/ }).tap();
  await grandmaPhone.getByRole('heading', { name: "What's new" }).waitFor();
  const card = grandmaPhone.locator('.news li', { hasText: said });
  await card.getByText('Minjun commented on your photo in Jeju 2019').waitFor();
  assert.equal(await grandmaPhone.getByRole('button', { name: /^Follow/ }).count(), 0, 'no puzzling Follow buttons on the cards');
  await noSidewaysScrolling(grandmaPhone, 'what is new');
  await shot('48-phone-feed', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'what is new on a phone');
  await card.getByRole('link').tap();
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  await viewer.waitFor();
  await grandmaPhone.waitForFunction((id) => document.querySelector('dialog.viewer')?.dataset.mediaId === id, last.id);
  await viewer.getByRole('region', { name: 'Comments' }).getByText(said).waitFor();
  assert.ok(!loaded.includes(last.id), `the photo was not on the page loaded (${loaded.length} photos)`);
  release();
  // Back: the album is underneath.
  await grandmaPhone.goBack();
  await grandmaPhone.waitForFunction(() => !document.querySelector('dialog.viewer'));
  await grandmaPhone.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  assert.equal(grandmaPhone.url(), jejuUrl);
  await grandmaPhone.unroute(`**/api/v1/albums/${albumId}/media?**`);
});

test('on her phone, Delete asks first and starts on Cancel; Undo brings the photo back; emptying the trash is last and asks', async () => {
  await openJejuOnPhone();
  await grandmaPhone.waitForFunction(() => !document.querySelector('main .grid .processing'));
  const before = await tiles(grandmaPhone);
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  const askToDelete = async () => {
    await grandmaPhone.locator('main .grid button.tile').first().tap();
    await viewer.getByRole('button', { name: 'More' }).tap();
    await viewer.getByRole('button', { name: 'Delete' }).tap();
    const question = grandmaPhone.getByRole('dialog', { name: /^Move this to the trash\?/ });
    await question.waitFor();
    return question;
  };
  const question = await askToDelete();
  assert.equal(await grandmaPhone.evaluate(() => document.activeElement.textContent), 'Cancel', 'the question starts on Cancel');
  assert.deepEqual(await question.locator('.actions button').allTextContents(), ['Cancel', 'Delete'], 'Cancel first, Delete second');
  assert.equal(await question.getByRole('button', { name: 'Delete' }).evaluate((button) => getComputedStyle(button).backgroundColor), 'rgb(179, 38, 30)', 'Delete is red');
  await shot('44-phone-delete-question', grandmaPhone, { screen: true });
  await grandmaPhone.keyboard.press('Enter');
  await question.waitFor({ state: 'detached' });
  assert.ok(await viewer.isVisible(), 'Enter deleted nothing: the photo is still open');
  await closeViewer(grandmaPhone);
  assert.equal(await tiles(grandmaPhone), before);

  await (await askToDelete()).getByRole('button', { name: 'Delete' }).tap();
  await grandmaPhone.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before - 1);
  const toast = grandmaPhone.locator('#toast');
  await toast.getByText('Moved to the trash.').waitFor();
  const undo = toast.getByRole('button', { name: 'Undo' });
  withinScreen(await undo.boundingBox(), 'Undo');
  await shot('44b-phone-undo', grandmaPhone, { screen: true });
  await undo.tap();
  await grandmaPhone.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before);
  await toast.getByText('Brought back.').waitFor();
  assert.equal((await grandmaPhone.evaluate(() => fetch('/api/v1/trash').then((r) => r.json()))).items.length, 0, 'nothing left in the trash');

  // Something in the trash: Restore under it, and emptying it last, behind a question.
  await (await askToDelete()).getByRole('button', { name: 'Delete' }).tap();
  await grandmaPhone.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before - 1);
  await grandmaPhone.getByRole('link', { name: 'Settings' }).tap();
  await grandmaPhone.getByRole('main').getByRole('link', { name: 'Trash' }).tap();
  await grandmaPhone.getByRole('heading', { name: 'Trash' }).waitFor();
  const restore = grandmaPhone.getByRole('button', { name: /^Restore/ });
  const empty = grandmaPhone.getByRole('button', { name: 'Empty the trash' });
  const [restoreBox, emptyBox] = [await restore.boundingBox(), await empty.boundingBox()];
  assert.ok(emptyBox.y > restoreBox.y + restoreBox.height, 'emptying comes after what is in the trash');
  assert.equal(await grandmaPhone.evaluate(() => [...document.querySelectorAll('main button')].pop().textContent), 'Empty the trash', 'and is the last thing');
  await shot('47-phone-trash', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'trash page on a phone');
  await empty.tap();
  const emptying = grandmaPhone.getByRole('dialog', { name: /^Delete everything in the trash for good\?/ });
  await emptying.waitFor();
  assert.equal(await grandmaPhone.evaluate(() => document.activeElement.textContent), 'Cancel');
  assert.deepEqual(await emptying.locator('.actions button').allTextContents(), ['Cancel', 'Delete everything for good']);
  await emptying.getByRole('button', { name: 'Cancel' }).tap();
  await emptying.waitFor({ state: 'detached' });
  assert.equal(await restore.count(), 1, 'still in the trash');
  await restore.tap();
  await grandmaPhone.getByText('The trash is empty.').waitFor();
});

test('on her phone, tapping a video plays it; captions have no file names, and sit on a dark band', async () => {
  await openJejuOnPhone();
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  const caption = viewer.locator('.caption');
  const plain = async () => {
    const text = await caption.innerText();
    assert.doesNotMatch(text, /\.(jpe?g|mp4|mov|heic|png)\b/i, `no file name: ${text}`);
    const alpha = await caption.evaluate((element) => {
      const parts = getComputedStyle(element).backgroundColor.match(/[\d.]+/g).map(Number);
      return parts.length === 4 ? parts[3] : 1;
    });
    assert.ok(alpha >= 0.7, `a dark band behind the words (alpha ${alpha})`);
  };
  if (sampleVideo()) {
    await grandmaPhone.locator('main .grid button.tile', { has: grandmaPhone.locator('.badge', { hasText: '▶' }) }).first().tap();
    const play = viewer.getByRole('button', { name: 'Play the video' });
    withinScreen(await play.boundingBox(), 'the big Play', 96);
    await plain();
    // A tap on the video itself, not only on the small native control.
    await grandmaPhone.locator('dialog.viewer .stage video').tap({ position: { x: 120, y: 160 } });
    await grandmaPhone.waitForFunction(() => document.querySelector('dialog.viewer .stage video')?.paused === false, null, { timeout: 15_000 });
    assert.equal(await grandmaPhone.evaluate(() => document.querySelector('dialog.viewer .stage video').paused), false);
    await play.waitFor({ state: 'hidden' });
    await shot('42b-phone-video-playing', grandmaPhone, { screen: true });
    await closeViewer(grandmaPhone);
  }
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  await viewer.getByText(/^1 \/ \d+$/).waitFor();
  await plain();
  await closeViewer(grandmaPhone);

  // When the api says whether a date is the photo's own (taken_at_known), the caption says so.
  const albumId = jejuUrl.split('/').pop();
  let known = false;
  await grandmaPhone.route(`**/api/v1/albums/${albumId}/media?**`, async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    for (const item of json.items) item.taken_at_known = known;
    // A reload can cancel the request while it is held here; then there is nothing to answer.
    await route.fulfill({ response, json }).catch((error) => { if (!/already handled/.test(error.message)) throw error; });
  });
  await grandmaPhone.reload();
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  await viewer.getByText('Date unknown').waitFor();
  await closeViewer(grandmaPhone);
  known = true;
  await grandmaPhone.reload();
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  await viewer.getByText(/^Taken /).waitFor();
  await closeViewer(grandmaPhone);
  await grandmaPhone.unroute(`**/api/v1/albums/${albumId}/media?**`);
});

test('on her phone, finished uploads go away; a photo shows its thumbnail enlarged, with a spinner, until its preview comes', async () => {
  await openJejuOnPhone();
  const before = await tiles(grandmaPhone);
  await grandmaPhone.locator('input[type=file]').setInputFiles(await drawnPhotos(2, 'phone'));
  await grandmaPhone.getByText('Finished: 2 of 2').waitFor({ timeout: 60_000 });
  await grandmaPhone.waitForFunction((n) => document.querySelectorAll('main .grid li').length === n, before + 2, { timeout: 30_000 });
  await grandmaPhone.waitForFunction(() => !document.querySelector('main .uploads li') && document.querySelector('main .total').hidden, null, { timeout: 15_000 });
  const top = await firstTileTop(grandmaPhone);
  assert.ok(top <= 200, `nothing is left above the photos: ${top}px`);
  await grandmaPhone.waitForFunction(() => !document.querySelector('main .grid .processing'), null, { timeout: 60_000 });
  await grandmaPhone.waitForFunction(() => document.querySelector('main .grid .tile img')?.naturalWidth > 0);

  // A slow network (a preview takes a while): not a black screen.
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  const isPreview = (url) => url.pathname.endsWith('/preview.jpg');
  await grandmaPhone.route(isPreview, async (route) => { await held; await route.continue(); });
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  const placeholder = viewer.locator('.stage img.placeholder');
  await placeholder.waitFor();
  await grandmaPhone.waitForFunction(() => document.querySelector('dialog.viewer .stage img.placeholder')?.naturalWidth > 0);
  const box = await placeholder.boundingBox();
  assert.ok(box.width >= 380, `the thumbnail, enlarged to the screen: ${JSON.stringify(box)}`);
  assert.ok(await viewer.locator('.spinner').isVisible(), 'a spinner says it is coming');
  await shot('42c-phone-preview-loading', grandmaPhone, { screen: true });
  release();
  await placeholder.waitFor({ state: 'detached' });
  await grandmaPhone.waitForFunction(() => document.querySelector('dialog.viewer .stage img.full')?.naturalWidth > 0);
  assert.equal(await viewer.locator('.spinner').count(), 0);
  await grandmaPhone.unroute(isPreview);
  await closeViewer(grandmaPhone);
});

test('#19 an album lists thumbnails only; the photo she opens is asked for whole, and with no network she is told so and can try again', async () => {
  await openJejuOnPhone();
  // What the album's pages carry: the thumbnail, never the preview or the original.
  const albumId = jejuUrl.split('/').pop();
  const items = await albumItems(grandmaPhone, albumId);
  assert.ok(items.length >= 2, `${items.length} photos`);
  assert.deepEqual([...new Set(items.map((item) => Object.keys(item.urls).join()))], ['thumbnail'], 'tiles carry the thumbnail only');

  // Opening one asks for it whole (its preview), and for the one after it, ahead of a swipe.
  const asked = [];
  const onRequest = (request) => { const match = new URL(request.url()).pathname.match(/^\/api\/v1\/media\/(\d+)$/); if (match) asked.push(match[1]); };
  grandmaPhone.on('request', onRequest);
  await grandmaPhone.locator('main .grid button.tile').first().tap();
  const viewer = grandmaPhone.getByRole('dialog', { name: 'viewer' });
  await grandmaPhone.waitForFunction(() => document.querySelector('dialog.viewer .stage img.full')?.naturalWidth > 0);
  const first = await viewer.getAttribute('data-media-id');
  assert.ok(asked.includes(first), `the photo shown was asked for whole: ${asked}`);
  assert.ok(asked.length >= 2, `its neighbour too: ${asked}`);
  await closeViewer(grandmaPhone);
  grandmaPhone.off('request', onRequest);

  // No network for the photo: she is told, plainly, and the thumbnail stays; Try again opens it.
  const offline = '**/api/v1/media/*';
  await grandmaPhone.route(offline, (route) => route.abort('internetdisconnected'));
  await grandmaPhone.locator('main .grid button.tile').nth(1).tap();
  const problem = viewer.locator('.viewer-problem');
  await problem.waitFor();
  assert.match(await problem.innerText(), /could not be opened\. Check the internet connection/);
  assert.ok(await viewer.locator('.stage img.placeholder').isVisible(), 'her thumbnail stays behind the message');
  withinScreen(await problem.getByRole('button', { name: 'Try again' }).boundingBox(), 'Try again');
  await shot('42d-phone-viewer-no-network', grandmaPhone, { screen: true });
  // The same on a computer's screen.
  const computer = await browser.newPage({ locale: 'en-US', viewport: { width: 1280, height: 900 },
    storageState: await grandmaPhone.context().storageState() });
  await computer.route(offline, (route) => route.abort('internetdisconnected'));
  await computer.goto(grandmaPhone.url());
  await computer.locator('main .grid button.tile').nth(1).click();
  await computer.locator('dialog.viewer .viewer-problem').waitFor();
  await shot('42e-computer-viewer-no-network', computer, { screen: true });
  await computer.close();

  await grandmaPhone.unroute(offline);
  await problem.getByRole('button', { name: 'Try again' }).tap();
  await grandmaPhone.waitForFunction(() => document.querySelector('dialog.viewer .stage img.full')?.naturalWidth > 0);
  assert.equal(await problem.count(), 0, 'the message goes once the photo is there');
  await closeViewer(grandmaPhone);
});

test('an aunt joins in Korean to look only: albums labelled, nothing offered she may not do, one card per upload batch, a used invite leads in', async () => {
  // Grandma shares the album: a family invite is "look and add" unless she chooses otherwise.
  await openJejuOnPhone();
  await grandmaPhone.getByRole('button', { name: 'Share' }).tap();
  const dialog = grandmaPhone.getByRole('dialog', { name: 'Share this album' });
  assert.equal(await dialog.getByLabel('They can').inputValue(), 'contributor');
  await dialog.getByLabel('They can').selectOption('viewer');
  await dialog.getByRole('button', { name: 'Make an invite link' }).tap();
  const link = await dialog.getByLabel('invite link').inputValue();
  secrets.add(new URL(link).searchParams.get('invite'));
  await dialog.getByRole('button', { name: 'Copy link' }).tap();
  const copied = dialog.getByText('Copied!');
  await copied.waitFor();
  const seen = await copied.evaluate((note) => {
    const r = note.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= innerHeight && note.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
  });
  assert.ok(seen, '"Copied!" is in view, on top of the dialog, not under its backdrop');
  await shot('50-phone-share-copied', grandmaPhone, { screen: true });
  await runAxe(grandmaPhone, 'share dialog on a phone');
  await dialog.getByRole('button', { name: 'Close' }).tap();

  // The invite page, as a phone in English shows it.
  const english = await phonePage('en-US');
  await english.goto(link);
  await english.getByRole('heading', { name: 'Join the family album' }).waitFor();
  await english.getByText('At least 8 characters.', { exact: false }).waitFor();
  await noSidewaysScrolling(english, 'invite page');
  await shot('51-phone-invite', english);
  await english.close();

  // Her phone, in Korean.
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  const aunt = await context.newPage();
  await aunt.goto(link);
  await aunt.getByRole('heading', { name: '가족 앨범에 참여하기' }).waitFor();
  await noSignedInMenus(aunt, 'the invite page');
  const password = aunt.getByLabel('비밀번호', { exact: true });
  const rule = aunt.getByText('8글자 이상.', { exact: false });
  const [field, ruleBox] = [await password.boundingBox(), await rule.boundingBox()];
  assert.ok(ruleBox.y >= field.y + field.height && ruleBox.y - (field.y + field.height) < 40, 'the rule is written right under the field');
  await aunt.getByLabel('이름', { exact: true }).fill('Sooja');
  await aunt.getByLabel('이메일').fill('sooja@family.test');
  await password.fill(SOOJA_PASSWORD);
  assert.equal(await password.getAttribute('type'), 'password');
  await aunt.getByLabel('비밀번호 보기').check();
  assert.equal(await password.getAttribute('type'), 'text');
  await noSidewaysScrolling(aunt, 'invite page in Korean');
  await shot('51b-phone-invite-ko', aunt);
  await runAxe(aunt, 'invite page in Korean');
  await aunt.getByRole('button', { name: '계정 만들기' }).tap();
  await aunt.getByRole('heading', { name: '앨범', exact: true }).waitFor();
  assert.ok(!aunt.url().includes('invite'), aunt.url());
  for (const cookie of await context.cookies()) secrets.add(cookie.value);

  // Her albums: the shared one says so, and that she may look. Korean all around.
  const card = aunt.getByRole('link', { name: /Jeju 2019/ });
  await card.getByText('함께 보는 앨범 · 보기만 가능').waitFor();
  const around = await aunt.evaluate(() => [...document.querySelectorAll('header.bar, #tabs')].map((part) => part.innerText).join(' '));
  assert.doesNotMatch(around.replace('picup', ''), /[A-Za-z]/, `no English around the page: ${around}`);
  await aunt.waitForFunction(() => [...document.querySelectorAll('main img')].every((img) => img.complete));
  await shot('52-phone-albums-ko', aunt, { screen: true });

  // The album: no Add, no Share, no Delete, and a line that says why.
  await card.tap();
  await aunt.getByRole('heading', { name: 'Jeju 2019' }).waitFor();
  await aunt.locator('main .grid .tile img').first().waitFor();
  const note = aunt.locator('main .viewer-note');
  await note.getByText('함께 보는 앨범 · 보기만 가능').waitFor();
  await note.getByText('사진을 올리려면 앨범 주인에게 부탁하세요.').waitFor();
  for (const name of [/사진과 동영상 추가/, /공유/, /더 보기/, /삭제/]) {
    assert.equal(await aunt.getByRole('button', { name }).count(), 0, `${name} is not offered to someone who may only look`);
  }
  assert.doesNotMatch(await mainText(aunt), /null/);
  await shot('52b-phone-album-look-only-ko', aunt, { screen: true });
  const top = await firstTileTop(aunt);
  assert.ok(top <= 200, `the first photo starts near the top: ${top}px`);
  await runAxe(aunt, 'album page for someone who may only look');

  // The viewer: no Delete, in its row or in More; Korean words only.
  await aunt.locator('main .grid button.tile').first().tap();
  const viewer = aunt.getByRole('dialog', { name: '사진 보기' });
  await viewer.getByText(/^1 \/ \d+$/).waitFor();
  await aunt.waitForFunction(() => [...document.querySelectorAll('dialog .stage img')].every((img) => img.complete && img.naturalWidth > 0));
  const words = await viewer.evaluate((element) => [...element.querySelectorAll('.top, .controls')].map((part) => part.innerText).join(' '));
  assert.doesNotMatch(words, /[A-Za-z]/, `no English in the viewer: ${words}`);
  await shot('53-phone-viewer-ko', aunt, { screen: true });
  await viewer.getByRole('button', { name: '더 보기' }).tap();
  await viewer.getByRole('link', { name: '원본 내려받기' }).waitFor();
  assert.equal(await viewer.getByRole('button', { name: /삭제/ }).count(), 0, 'no Delete for someone who may only look');
  await closeViewer(aunt);

  // What's new: Grandma's uploads, one card for the batch.
  await tabBar(aunt, '화면').getByRole('link', { name: '새 소식' }).tap();
  await aunt.getByRole('heading', { name: '새 소식' }).waitFor();
  const feed = await aunt.evaluate(() => fetch('/api/v1/feed?limit=50').then((r) => r.json()));
  const uploads = feed.items.filter((item) => item.kind === 'photos_added' && item.actor_name === 'Grandma');
  assert.ok(uploads.length > 1, `the feed has several uploads: ${uploads.length}`);
  const total = uploads.reduce((sum, item) => sum + item.count, 0);
  const batch = aunt.locator('.news li', { hasText: 'Grandma님이 Jeju 2019에 사진' });
  assert.equal(await batch.count(), 1, 'one card for the batch');
  await batch.getByText(`Grandma님이 Jeju 2019에 사진 ${total}장을 올렸어요`).waitFor();
  assert.equal(await aunt.getByRole('button', { name: /소식 받기/ }).count(), 0, 'no puzzling follow buttons');
  await noSidewaysScrolling(aunt, 'what is new in Korean');
  await shot('54-phone-feed-ko', aunt, { screen: true });
  await runAxe(aunt, 'what is new in Korean');

  // The used invite, opened again while signed in: the albums.
  await aunt.goto(link);
  await aunt.getByRole('heading', { name: '앨범', exact: true }).waitFor();
  await aunt.getByRole('link', { name: /Jeju 2019/ }).waitFor();
  assert.equal(aunt.url(), `${base}/#/albums`);

  // Signed out, no signed-in menus.
  await aunt.getByRole('link', { name: '설정' }).tap();
  await aunt.getByRole('heading', { name: '설정' }).waitFor();
  await aunt.getByRole('main').getByRole('button', { name: '로그아웃' }).tap();
  await aunt.getByRole('button', { name: '로그인', exact: true }).waitFor();
  await noSignedInMenus(aunt, 'signed out');

  // The used invite, signed out: it says so in Korean, and signing in from there leads in.
  await aunt.goto(link);
  await aunt.getByRole('heading', { name: '가족 앨범에 참여하기' }).waitFor();
  await aunt.getByLabel('이름', { exact: true }).fill('Sooja');
  await aunt.getByLabel('이메일').fill('sooja.new@family.test');
  await aunt.getByLabel('비밀번호', { exact: true }).fill(SOOJA_PASSWORD);
  await aunt.getByRole('button', { name: '계정 만들기' }).tap();
  await aunt.getByText('이 초대 링크는 이미 사용되었거나 기한이 지났어요.', { exact: false }).waitFor();
  await aunt.getByLabel('이메일').fill('sooja@family.test');
  await aunt.getByRole('button', { name: '계정 만들기' }).tap();
  await aunt.getByText('이 이메일 주소로 만든 계정이 이미 있어요. 그 계정으로 로그인하세요.').waitFor();
  assert.doesNotMatch(await mainText(aunt), /already|account|exists/i, 'no English on the page');
  await shot('51c-phone-invite-email-taken-ko', aunt);
  await runAxe(aunt, 'invite page saying the account exists');
  await aunt.getByRole('button', { name: '이 이메일로 로그인하기' }).tap();
  await aunt.getByRole('button', { name: '로그인', exact: true }).waitFor();
  assert.ok(!aunt.url().includes('invite'), aunt.url());
  assert.equal(await aunt.getByLabel('이메일').inputValue(), 'sooja@family.test');
  await aunt.getByLabel('비밀번호').fill(SOOJA_PASSWORD);
  await aunt.getByRole('button', { name: '로그인', exact: true }).tap();
  await aunt.getByRole('heading', { name: '앨범', exact: true }).waitFor();
  assert.equal(aunt.url(), `${base}/#/albums`);
  await aunt.getByRole('link', { name: /Jeju 2019/ }).waitFor();
  for (const cookie of await context.cookies()) secrets.add(cookie.value);
  secrets.add(SOOJA_PASSWORD);
  await context.close();
  for (const cookie of await grandmaPhone.context().cookies()) secrets.add(cookie.value);
  await grandmaPhone.close();
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

// ---------- share links, downloads and "On this day" (#20) ----------
// These make their own album and photos, and sign Grandma in on phones of their own, so they also
// run alone (--test-name-pattern="#20"): her account is made first when nobody is there yet.

/** Grandma on a phone of her own (390x844), signed in; `timezoneId` where the phone is. */
async function grandmaOnAPhone({ locale = 'en-US', timezoneId } = {}) {
  const context = await browser.newContext({ locale, timezoneId, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  const phone = await context.newPage();
  await phone.goto(base);
  const signedIn = await phone.evaluate(async ({ email, password }) => {
    const headers = { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' };
    const login = () => fetch('/api/v1/auth/login', { method: 'POST', headers, body: JSON.stringify({ email, password }) });
    if ((await login()).ok) return true;
    await fetch('/api/v1/auth/register', { method: 'POST', headers, body: JSON.stringify({ display_name: 'Grandma', email, password }) });
    return (await login()).ok;
  }, { email: 'grandma@family.test', password: PASSWORD });
  assert.ok(signedIn, 'Grandma is signed in');
  await phone.goto(`${base}/#/albums`);
  await phone.reload();
  await phone.getByRole('heading', { name: 'Albums' }).waitFor({ timeout: 15_000 }).catch(async (err) => {
    throw new Error(`${err.message}\nthe page says: ${await mainText(phone)}`);
  });
  return phone;
}

/** Makes an album on `phone` and adds `files`; waits until every photo is ready. Returns its id. */
async function albumWithPhotos(phone, title, files) {
  await phone.getByRole('button', { name: /New album/ }).tap();
  await phone.getByLabel('Album name').fill(title);
  await phone.getByRole('button', { name: 'Create' }).tap();
  await phone.getByRole('heading', { name: title }).waitFor();
  await phone.locator('input[type=file]').setInputFiles(files);
  await phone.waitForFunction((n) => {
    const images = [...document.querySelectorAll('main .grid .tile img')];
    return images.length === n && images.every((img) => img.complete && img.naturalWidth > 0);
  }, files.length, { timeout: 90_000 });
  return decodeURIComponent(new URL(phone.url()).hash.split('/')[2]);
}

/** The names in a ZIP file, read from its central directory. */
function zipNames(zip) {
  assert.equal(zip.readUInt32LE(0), 0x04034b50, 'a ZIP starts with a local file header');
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end > 0, 'the ZIP has its end record');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const names = [];
  for (let i = 0; i < count; i += 1) {
    assert.equal(zip.readUInt32LE(at), 0x02014b50, 'a central directory entry');
    const [nameLength, extraLength, commentLength] = [zip.readUInt16LE(at + 28), zip.readUInt16LE(at + 30), zip.readUInt16LE(at + 32)];
    names.push(zip.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names.sort();
}

/** A file a page downloads when `press` runs: its suggested name and its bytes. */
async function downloaded(target, press) {
  const [download] = await Promise.all([target.waitForEvent('download', { timeout: 60_000 }), press()]);
  const path = await download.path();
  assert.ok(path, `the download finished: ${await download.failure()}`);
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

/**
 * A JPEG with the EXIF date it was taken: DateTimeOriginal ("YYYY:MM:DD HH:MM:SS") and
 * OffsetTimeOriginal ("+09:00"), in an APP1 segment put right after the start of the image.
 */
function withTakenDate(jpeg, stamp, offset) {
  const ascii = (text) => Buffer.from(`${text}\0`, 'ascii');
  const [when, zone] = [ascii(stamp), ascii(offset)];
  const tiff = Buffer.alloc(56 + when.length + zone.length);
  tiff.write('II', 0, 'ascii');
  tiff.writeUInt16LE(42, 2);
  tiff.writeUInt32LE(8, 4);
  // IFD0: one entry, the Exif IFD's place.
  tiff.writeUInt16LE(1, 8);
  tiff.writeUInt16LE(0x8769, 10);
  tiff.writeUInt16LE(4, 12);
  tiff.writeUInt32LE(1, 14);
  tiff.writeUInt32LE(26, 18);
  tiff.writeUInt32LE(0, 22);
  // The Exif IFD: DateTimeOriginal and OffsetTimeOriginal (ASCII, stored after the IFD).
  tiff.writeUInt16LE(2, 26);
  [[0x9003, when, 56], [0x9011, zone, 56 + when.length]].forEach(([tag, text, at], i) => {
    const entry = 28 + i * 12;
    tiff.writeUInt16LE(tag, entry);
    tiff.writeUInt16LE(2, entry + 2);
    tiff.writeUInt32LE(text.length, entry + 4);
    tiff.writeUInt32LE(at, entry + 8);
  });
  tiff.writeUInt32LE(0, 52);
  when.copy(tiff, 56);
  zone.copy(tiff, 56 + when.length);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'ascii'), tiff]);
  const header = Buffer.from([0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(body.length + 2, 2);
  assert.equal(jpeg.readUInt16BE(0), 0xffd8, 'a JPEG');
  return Buffer.concat([jpeg.subarray(0, 2), header, body, jpeg.subarray(2)]);
}

/** Share links made in the owner's dialog, for the relatives' tests: { url, password }. */
const shareLinks = {};
const SHARE_PASSWORD = 'kimchi jar 1984';
const GUESSED_PASSWORD = 'seollal soup';
/** The tokens of the links made (what opens an album without an account). */
const shareTokens = new Set();
let chuseokId;

test('#20 the owner makes share links in the dialog (how long, download, password), copies one and sees them listed', async () => {
  const phone = await grandmaOnAPhone();
  await phone.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  chuseokId = await albumWithPhotos(phone, 'Chuseok 2024', await drawnPhotos(3, 'chuseok'));
  await phone.getByRole('button', { name: 'Share', exact: true }).tap();
  const opening = phone.getByRole('dialog', { name: 'Share this album' }).getByRole('button', { name: 'Share with a link…' });
  await opening.scrollIntoViewIfNeeded();
  await shot('79-phone-share-dialog-link-section', phone, { screen: true });
  await opening.tap();
  const dialog = phone.getByRole('dialog', { name: 'Share with a link' });
  await dialog.getByText('No links made yet.').waitFor();
  await noSidewaysScrolling(phone, 'the link dialog');
  await shot('80a-phone-share-link-dialog', phone, { screen: true });

  /** Makes a link with these choices; returns its address, as shown and as copied. */
  const make = async ({ duration, download, password }) => {
    await dialog.getByLabel(duration).check();
    if (download) await dialog.getByLabel('Let them download the photos').check();
    else await dialog.getByLabel('Let them download the photos').uncheck();
    await dialog.getByLabel(/^Password/).fill(password || '');
    const before = await dialog.locator('ul.share-links li').count();
    await dialog.getByRole('button', { name: 'Make the link' }).tap();
    await phone.waitForFunction((n) => document.querySelectorAll('ul.share-links li').length === n, before + 1);
    const url = await dialog.getByLabel('share link').inputValue();
    assert.match(url, new RegExp(`^${escapeRegExp(base)}/s/[A-Za-z0-9_-]{22,}$`));
    shareTokens.add(url.split('/s/')[1]);
    return url;
  };
  // A phone with a share sheet (Chromium here has none): what it is handed is kept to be looked at.
  await phone.evaluate(() => { navigator.share = async (data) => { window.sharedWithSheet = data; }; });
  shareLinks.grandchildren = { url: await make({ duration: '1 week', download: true, password: SHARE_PASSWORD }), password: SHARE_PASSWORD };
  await dialog.getByRole('button', { name: 'Send with another app' }).tap();
  const handed = await phone.evaluate(() => window.sharedWithSheet);
  assert.equal(handed.url, shareLinks.grandchildren.url, 'the share sheet gets the link');
  assert.equal(handed.text, 'Photos from “Chuseok 2024”');
  // Copy: the address is on the clipboard, and the dialog says so beside the button.
  await dialog.getByRole('button', { name: 'Copy link' }).tap();
  await dialog.getByText('Copied!').waitFor();
  assert.equal(await phone.evaluate(() => navigator.clipboard.readText()), shareLinks.grandchildren.url);
  await noSidewaysScrolling(phone, 'the link dialog');
  await shot('80-phone-share-link-made', phone, { screen: true });
  shareLinks.lookOnly = { url: await make({ duration: 'Until I stop it', download: false }) };
  shareLinks.guessed = { url: await make({ duration: '1 month', download: false, password: GUESSED_PASSWORD }), password: GUESSED_PASSWORD };

  // The list: each link with how long it works, its password and whether it downloads, and Stop.
  const rows = dialog.locator('ul.share-links li');
  assert.equal(await rows.count(), 3);
  const text = await dialog.locator('ul.share-links').innerText();
  assert.match(text, /With a password · Downloads allowed/);
  assert.match(text, /No password · Look only/);
  assert.match(text, /Works until you stop it/);
  assert.match(text, /Works until /);
  assert.equal(await dialog.getByRole('button', { name: /^Stop this link/ }).count(), 3);
  await dialog.locator('ul.share-links').scrollIntoViewIfNeeded();
  await shot('81-phone-share-links-list', phone, { screen: true });
  await runAxe(phone, 'the share link dialog');
  await phone.context().close();
});

/** A relative's phone: no account, no cookies. */
async function relativesPhone(locale = 'en-US') {
  const context = await browser.newContext({ locale, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  return context.newPage();
}

test('#20 a relative opens a share link with a password on her phone: wrong, then right; the grid, the slideshow, the viewer, downloads', async () => {
  const aunt = await relativesPhone();
  await aunt.goto(shareLinks.grandchildren.url);
  await aunt.getByRole('heading', { name: 'This album has a password' }).waitFor();
  await noSignedInMenus(aunt, 'the share page');
  const field = aunt.getByLabel('Password', { exact: true });
  withinScreen(await field.boundingBox(), 'the password field', 56);
  await field.fill('kimchi jar 1985');
  await aunt.getByRole('button', { name: 'Open the album' }).tap();
  await aunt.getByText('That is not the right password.', { exact: false }).waitFor();
  await shot('82-phone-share-wrong-password', aunt, { screen: true });
  await runAxe(aunt, 'the share link password page');
  await field.fill(SHARE_PASSWORD);
  await aunt.getByRole('button', { name: 'Open the album' }).tap();

  // The album: its photos, no signed-in menus, Slideshow and Download all.
  await aunt.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await aunt.waitForFunction(() => {
    const images = [...document.querySelectorAll('main .grid .tile img')];
    return images.length === 3 && images.every((img) => img.complete && img.naturalWidth > 0);
  });
  await noSignedInMenus(aunt, 'the shared album');
  await aunt.getByText('This link works until', { exact: false }).waitFor();
  withinScreen(await aunt.getByRole('link', { name: 'Download all' }).boundingBox(), 'Download all');
  withinScreen(await aunt.getByRole('button', { name: 'Slideshow' }).boundingBox(), 'Slideshow');
  assert.equal(await aunt.getByRole('button', { name: /Share|Delete|Add photos|More/ }).count(), 0, 'nothing that needs an account');
  await noSidewaysScrolling(aunt, 'the shared album');
  await shot('83-phone-shared-album', aunt, { screen: true });
  await runAxe(aunt, 'the shared album');

  // She watches the slideshow: the whole screen, the album's photos one by one, Stop brings her back.
  await aunt.getByRole('button', { name: 'Slideshow' }).tap();
  await aunt.waitForFunction(() => [...document.querySelectorAll('dialog.slideshow .slide img')].some((img) => img.complete && img.naturalWidth > 0));
  await aunt.getByText('1 / 3').waitFor();
  await aunt.locator('dialog.slideshow .slide.shown').waitFor();
  await aunt.waitForTimeout(1200); // the cross-fade, for the picture
  await shot('83b-phone-shared-slideshow', aunt, { screen: true });
  await aunt.keyboard.press('ArrowRight');
  await aunt.getByText('2 / 3').waitFor();
  await aunt.keyboard.press('Escape');
  await aunt.waitForFunction(() => !document.querySelector('dialog.slideshow'));
  await aunt.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();

  // The whole album as one ZIP.
  const zip = await downloaded(aunt, () => aunt.getByRole('link', { name: 'Download all' }).tap());
  assert.equal(zip.name, 'Chuseok 2024.zip');
  assert.deepEqual(zipNames(zip.bytes), ['chuseok-0.jpg', 'chuseok-1.jpg', 'chuseok-2.jpg']);

  // The viewer: no likes, no comments, no Delete; a big Download of this photo, under its own name.
  await aunt.locator('main .grid button.tile').first().tap();
  const viewer = aunt.getByRole('dialog', { name: 'Photo viewer' });
  await viewer.getByText('1 / 3').waitFor();
  await aunt.waitForFunction(() => [...document.querySelectorAll('dialog .stage img.full')].every((img) => img.complete && img.naturalWidth > 0));
  for (const name of [/Like/, /Comments/, /More/, /Delete/]) assert.equal(await viewer.getByRole('button', { name }).count(), 0, `no ${name} on a share link`);
  const one = viewer.getByRole('link', { name: 'Download this photo' });
  withinScreen(await one.boundingBox(), 'Download this photo');
  await shot('84-phone-shared-viewer', aunt, { screen: true });
  const photo = await downloaded(aunt, () => one.tap());
  assert.match(photo.name, /^chuseok-\d\.jpg$/);
  assert.equal(photo.bytes.readUInt16BE(0), 0xffd8, 'the original JPEG');
  await viewer.getByRole('button', { name: 'Next' }).tap();
  await viewer.getByText('2 / 3').waitFor();
  await closeViewer(aunt);

  // The password is asked once: the album opens again without it.
  await aunt.reload();
  await aunt.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await aunt.context().close();
});

test('#20 a look-only link offers no download; in Korean too; guessing a password is slowed down and says to wait', async () => {
  const uncle = await relativesPhone();
  await uncle.goto(shareLinks.lookOnly.url);
  await uncle.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await uncle.locator('main .grid .tile img').first().waitFor();
  await uncle.getByText('You can look at them without an account.').waitFor();
  assert.equal(await uncle.getByRole('link', { name: /Download/ }).count(), 0, 'no Download all');
  await uncle.locator('main .grid button.tile').first().tap();
  const viewer = uncle.getByRole('dialog', { name: 'Photo viewer' });
  await viewer.getByText('1 / 3').waitFor();
  assert.equal(await viewer.getByRole('link', { name: /Download/ }).count(), 0, 'no Download in the viewer');
  assert.equal(await viewer.locator('.controls').count(), 0, 'no row of buttons at all');
  await closeViewer(uncle);
  // The server refuses it too.
  const id = await uncle.evaluate(async (token) => (await (await fetch(`/api/v1/shared/${token}/media`)).json()).items[0].id, shareLinks.lookOnly.url.split('/s/')[1]);
  const refused = await uncle.evaluate(async ([token, media]) => (await fetch(`/api/v1/shared/${token}/media/${media}/download`)).status, [shareLinks.lookOnly.url.split('/s/')[1], id]);
  assert.equal(refused, 403);
  await uncle.context().close();

  // In Korean: the password page, then the album.
  const halmoni = await relativesPhone('ko-KR');
  await halmoni.goto(shareLinks.grandchildren.url);
  await halmoni.getByRole('heading', { name: '비밀번호가 있는 앨범이에요' }).waitFor();
  await shot('85-phone-share-password-ko', halmoni, { screen: true });
  await halmoni.getByLabel('비밀번호', { exact: true }).fill(SHARE_PASSWORD);
  await halmoni.getByRole('button', { name: '앨범 열기' }).tap();
  await halmoni.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await halmoni.waitForFunction(() => [...document.querySelectorAll('main .grid .tile img')].every((img) => img.complete && img.naturalWidth > 0));
  await halmoni.getByRole('link', { name: '모두 내려받기' }).waitFor();
  const words = await mainText(halmoni);
  assert.doesNotMatch(words.replace('Chuseok 2024', ''), /[A-Za-z]/, `Korean only: ${words}`);
  await noSidewaysScrolling(halmoni, 'the shared album in Korean');
  await shot('86-phone-shared-album-ko', halmoni, { screen: true });
  await runAxe(halmoni, 'the shared album in Korean');
  await halmoni.context().close();

  // Someone guessing: wrong, wrong, … until the link slows down, and the page says to wait.
  const guesser = await relativesPhone();
  await guesser.goto(shareLinks.guessed.url);
  await guesser.getByRole('heading', { name: 'This album has a password' }).waitFor();
  const open = guesser.getByRole('button', { name: 'Open the album' });
  const error = guesser.getByRole('alert');
  let slowed = false;
  for (let i = 0; i < 12 && !slowed; i += 1) {
    await guesser.getByLabel('Password', { exact: true }).fill(`guess number ${i}`);
    await guesser.waitForFunction(() => !document.querySelector('main button[type=submit]').disabled, null, { timeout: 120_000 });
    await guesser.evaluate(() => { document.querySelector('main [role=alert]').textContent = ''; });
    await open.tap();
    await guesser.waitForFunction(() => document.querySelector('main [role=alert]').textContent !== '');
    slowed = /Too many wrong tries/.test(await error.innerText());
    if (!slowed) assert.match(await error.innerText(), /That is not the right password/);
  }
  assert.ok(slowed, 'the link slowed the guesses down');
  assert.match(await error.innerText(), /Please wait (a few seconds|a minute|\d+ minutes), then try again\./);
  assert.ok(await open.isDisabled(), 'the button waits too');
  await shot('87-phone-share-too-many-tries', guesser, { screen: true });
  await guesser.context().close();
});

test('#20 the owner stops a link (asked first, Cancel focused); the link then says it has ended', async () => {
  const phone = await grandmaOnAPhone();
  await phone.goto(`${base}/#/album/${chuseokId}`);
  await phone.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await phone.getByRole('button', { name: 'Share', exact: true }).tap();
  await phone.getByRole('button', { name: 'Share with a link…' }).tap();
  const dialog = phone.getByRole('dialog', { name: 'Share with a link' });
  const row = dialog.locator('ul.share-links li', { hasText: 'No password · Look only' });
  await row.getByRole('button', { name: /^Stop this link/ }).tap();
  const question = phone.getByRole('dialog', { name: /^Stop this link\?/ });
  await question.waitFor();
  assert.equal(await phone.evaluate(() => document.activeElement.textContent), 'Cancel', 'the question starts on Cancel');
  await shot('88-phone-stop-share-link', phone, { screen: true });
  await question.getByRole('button', { name: 'Stop this link' }).tap();
  await dialog.getByText('The link was stopped.').waitFor();
  await row.getByText('Stopped').waitFor();
  assert.equal(await row.getByRole('button').count(), 0, 'a stopped link has nothing more to stop');
  await phone.context().close();

  const uncle = await relativesPhone();
  await uncle.goto(shareLinks.lookOnly.url);
  await uncle.getByRole('heading', { name: 'This link has ended' }).waitFor();
  await uncle.getByText('Ask the person who sent it for a new one.').waitFor();
  await noSignedInMenus(uncle, 'the ended link');
  assert.equal(await uncle.locator('main .grid').count(), 0, 'no photos');
  await shot('89-phone-share-link-ended', uncle, { screen: true });
  await runAxe(uncle, 'the ended link');
  // A link cut short (part of it missing) says so too.
  await uncle.goto(shareLinks.lookOnly.url.slice(0, -5));
  await uncle.getByRole('heading', { name: 'This link does not work' }).waitFor();
  await uncle.context().close();
});

test('#20 the album’s Download all gives a ZIP of its photos, its size said; the viewer downloads one original', async () => {
  const phone = await grandmaOnAPhone();
  await phone.goto(`${base}/#/album/${chuseokId}`);
  await phone.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await phone.locator('main .grid .tile img').first().waitFor();
  await phone.getByRole('button', { name: 'More' }).tap();
  const item = phone.getByRole('link', { name: /^Download all/ });
  await item.getByText(/^\(\d+(\.\d)? KB\)$/).waitFor();
  await shot('90-phone-album-download-all', phone, { screen: true });
  const zip = await downloaded(phone, () => item.tap());
  assert.equal(zip.name, 'Chuseok 2024.zip');
  assert.deepEqual(zipNames(zip.bytes), ['chuseok-0.jpg', 'chuseok-1.jpg', 'chuseok-2.jpg']);
  await phone.locator('main .grid button.tile').first().tap();
  const viewer = phone.getByRole('dialog', { name: 'Photo viewer' });
  await viewer.getByRole('button', { name: 'More' }).tap();
  const one = viewer.getByRole('link', { name: 'Download original' });
  assert.match(await one.getAttribute('href'), /^\/api\/v1\/media\/[^/]+\/download$/);
  const photo = await downloaded(phone, () => one.tap());
  assert.match(photo.name, /^chuseok-\d\.jpg$/);
  await phone.context().close();
});

test('#20 On this day: nothing when there is nothing; photos taken on this day in earlier years, “3 years ago today”', async () => {
  // Her phone is in Seoul: today is Seoul's today, and photos taken at 3 in the morning there
  // (the evening before in UTC) are today's.
  const phone = await grandmaOnAPhone({ timezoneId: 'Asia/Seoul' });
  const [year, month, day] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Seoul', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date()).split('-').map(Number);
  const on = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  const memories = () => phone.evaluate((date) => fetch(`/api/v1/memories?on=${date}&offset_minutes=540`).then((r) => r.json()), on);
  assert.deepEqual((await memories()).items, [], 'no photos from this day yet');
  assert.equal(await phone.locator('.memories').count(), 0, 'no strip when there is nothing');
  // A leap day comes back every four years.
  const back = month === 2 && day === 29 ? [4, 8] : [3, 6];
  const stamp = (ago) => `${year - ago}:${String(month).padStart(2, '0')}:${String(day).padStart(2, '0')} 03:00:00`;
  const drawn = await drawnPhotos(3, 'memory');
  const files = [
    { ...drawn[0], name: `memory-${back[0]}-a.jpg`, buffer: withTakenDate(drawn[0].buffer, stamp(back[0]), '+09:00') },
    { ...drawn[1], name: `memory-${back[0]}-b.jpg`, buffer: withTakenDate(drawn[1].buffer, stamp(back[0]), '+09:00') },
    { ...drawn[2], name: `memory-${back[1]}.jpg`, buffer: withTakenDate(drawn[2].buffer, stamp(back[1]), '+09:00') },
  ];
  await albumWithPhotos(phone, 'Old days', files);
  const got = (await memories()).items;
  assert.deepEqual(got.map((group) => [group.years_ago, group.media.length]), [[back[0], 2], [back[1], 1]], JSON.stringify(got));

  await tabBar(phone).getByRole('link', { name: 'Albums' }).tap();
  const strip = phone.getByRole('region', { name: 'On this day' });
  await strip.waitFor();
  await strip.getByRole('heading', { name: `${back[0]} years ago today` }).waitFor();
  await strip.getByRole('heading', { name: `${back[1]} years ago today` }).waitFor();
  assert.equal(await strip.getByRole('button').count(), 3);
  await phone.waitForFunction(() => [...document.querySelectorAll('.memories img')].every((img) => img.complete && img.naturalWidth > 0));
  await noSidewaysScrolling(phone, 'the albums page with On this day');
  await shot('91-phone-on-this-day', phone, { screen: true });
  await runAxe(phone, 'the albums page with On this day');
  // A tap opens that photo in the viewer, and the viewer pages through the day's photos.
  await strip.getByRole('button').nth(2).tap();
  const viewer = phone.getByRole('dialog', { name: 'Photo viewer' });
  await viewer.getByText('3 / 3').waitFor();
  await phone.waitForFunction(() => [...document.querySelectorAll('dialog .stage img.full')].every((img) => img.complete && img.naturalWidth > 0));
  await closeViewer(phone);
  await phone.context().close();
});

/** The computed font size (px) of what `locator` finds. */
const fontSize = (locator) => locator.evaluate((node) => Number.parseFloat(getComputedStyle(node).fontSize));

/** Opens the first photo of the album shown, and its More menu; returns the viewer. */
async function viewerMoreMenu(phone) {
  await phone.locator('main .grid button.tile').first().tap();
  const viewer = phone.getByRole('dialog', { name: 'Photo viewer' });
  await phone.waitForFunction(() => [...document.querySelectorAll('dialog .stage img.full')].every((img) => img.complete && img.naturalWidth > 0));
  await viewer.getByRole('button', { name: 'More' }).tap();
  await viewer.getByRole('link', { name: 'Download original' }).waitFor();
  return viewer;
}

test('#20 simple mode: on in Settings, bigger text, no Delete or Rename, one tap from the albums to the slideshow; off again brings Delete back', async () => {
  const phone = await grandmaOnAPhone();
  await phone.goto(`${base}/#/settings`);
  await phone.getByRole('heading', { name: 'Settings' }).waitFor();
  const signOutButton = phone.getByRole('button', { name: 'Sign out', exact: true });
  const before = await fontSize(signOutButton);
  const toggle = phone.getByRole('switch', { name: /^Simple mode: bigger text, nothing to delete by mistake/ });
  assert.equal(await toggle.isChecked(), false);
  await phone.getByText('You can turn it off again here at any time.').waitFor();
  await toggle.tap();
  await phone.getByText('Simple mode is on.').waitFor();
  assert.ok(await phone.evaluate(() => document.body.classList.contains('simple')));
  const after = await fontSize(signOutButton);
  assert.ok(after >= before * 1.15, `bigger text: ${before}px, then ${after}px`);
  assert.ok(!(await phone.getByRole('link', { name: 'Trash' }).isVisible()), 'no trash in simple mode');
  // Opened again in simple mode, the way back is the first thing on the page.
  await phone.reload();
  await phone.getByRole('heading', { name: 'Settings' }).waitFor();
  const box = await toggle.boundingBox();
  assert.ok(box && box.y < 250, `the switch near the top: ${JSON.stringify(box)}`);
  assert.equal(await toggle.isChecked(), true);
  await noSidewaysScrolling(phone, 'settings in simple mode');
  await shot('97-phone-settings-simple', phone, { screen: true });

  // The albums: a big Slideshow on each, one tap to the whole screen.
  await tabBar(phone).getByRole('link', { name: 'Albums' }).tap();
  const slideshow = phone.getByRole('button', { name: 'Slideshow: Chuseok 2024' });
  await slideshow.waitFor();
  await phone.waitForFunction(() => [...document.querySelectorAll('main .albums img')].every((img) => img.complete && img.naturalWidth > 0));
  await noSidewaysScrolling(phone, 'the albums in simple mode');
  assert.equal(await phone.getByRole('link', { name: 'Trash' }).count(), 0, 'no trash link');
  await shot('95-phone-simple-albums', phone, { screen: true });
  await runAxe(phone, 'the albums page in simple mode');
  await slideshow.tap();
  await phone.locator('dialog.slideshow .slide img').first().waitFor();
  await phone.goBack();
  await phone.waitForFunction(() => !document.querySelector('dialog.slideshow'));

  // The album and the viewer: no Rename, no Delete, no turning.
  await phone.getByRole('link', { name: /Chuseok 2024/ }).tap();
  await phone.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await phone.locator('main .grid .tile img').first().waitFor();
  await phone.getByRole('button', { name: 'More' }).tap();
  await phone.getByRole('link', { name: /^Download all/ }).waitFor();
  assert.equal(await phone.locator('main').getByRole('button', { name: /^(Rename|Delete album)$/ }).count(), 0, 'no Rename or Delete album');
  await phone.getByRole('button', { name: 'More' }).tap();
  let viewer = await viewerMoreMenu(phone);
  for (const name of ['Delete', 'Turn left', 'Turn right']) assert.ok(!(await viewer.getByRole('button', { name }).isVisible()), `no ${name} in simple mode`);
  await shot('96-phone-simple-viewer', phone, { screen: true });
  // Were Delete asked for anyway, the server's refusal is said in plain words.
  const refused = await phone.evaluate(async (id) => {
    const response = await fetch(`/api/v1/albums/${id}`, { method: 'DELETE', headers: { 'X-Requested-With': 'picup' } });
    return [response.status, (await response.json()).code];
  }, chuseokId);
  assert.deepEqual(refused, [403, 'simple_mode']);
  await closeViewer(phone);

  // Off again, from Settings: Delete is back.
  await phone.getByRole('link', { name: 'Settings' }).tap();
  await phone.getByRole('switch', { name: /^Simple mode/ }).tap();
  await phone.getByText('Simple mode is off.').waitFor();
  assert.ok(!(await phone.evaluate(() => document.body.classList.contains('simple'))));
  assert.ok(Math.abs((await fontSize(signOutButton)) - before) < 0.5, 'the usual size again');
  await phone.goto(`${base}/#/album/${chuseokId}`);
  await phone.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  viewer = await viewerMoreMenu(phone);
  await viewer.getByRole('button', { name: 'Delete' }).waitFor();
  await closeViewer(phone);
  await phone.context().close();
});

test('#20 simple mode: the admin turns it on for a member; his next page load is simple, in Korean', async () => {
  const admin = await grandmaOnAPhone();
  // Grandpa joins the family with an invite into Jeju 2019.
  const jejuId = await admin.evaluate(async () => (await (await fetch('/api/v1/albums?limit=200')).json()).items.find((album) => album.title === 'Jeju 2019').id);
  const { token } = await admin.evaluate(async (albumId) => (await fetch('/api/v1/invites', { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' }, body: JSON.stringify({ album_id: albumId, role: 'viewer' }) })).json(), jejuId);
  secrets.add(token);
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  const phone = await context.newPage();
  await phone.goto(base);
  const signedIn = await phone.evaluate(async ({ invite, password }) => {
    const headers = { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' };
    await fetch('/api/v1/auth/register', { method: 'POST', headers, body: JSON.stringify({ display_name: 'Grandpa', email: 'grandpa@family.test', password, invite }) });
    return (await fetch('/api/v1/auth/login', { method: 'POST', headers, body: JSON.stringify({ email: 'grandpa@family.test', password }) })).ok;
  }, { invite: token, password: PASSWORD });
  assert.ok(signedIn, 'Grandpa joined');
  await admin.goto(`${base}/#/family`);
  const toggle = admin.getByRole('switch', { name: 'Simple mode for Grandpa' });
  await toggle.waitFor();
  assert.equal(await toggle.isChecked(), false);
  await toggle.tap();
  await admin.getByText('Grandpa: Simple mode is on.').waitFor();
  await noSidewaysScrolling(admin, 'the family page');
  await shot('98-phone-family-simple', admin, { screen: true });

  await phone.goto(`${base}/#/albums`);
  await phone.reload();
  await phone.getByRole('heading', { name: '앨범' }).waitFor();
  assert.ok(await phone.evaluate(() => document.body.classList.contains('simple')), 'simple at the next page load');
  const slideshow = phone.getByRole('button', { name: '슬라이드쇼: Jeju 2019' });
  await slideshow.waitFor();
  await phone.waitForFunction(() => [...document.querySelectorAll('main .albums img')].every((img) => img.complete && img.naturalWidth > 0));
  await noSidewaysScrolling(phone, 'the albums in simple mode, in Korean');
  await shot('99-phone-simple-albums-ko', phone, { screen: true });
  await runAxe(phone, 'the albums page in simple mode, in Korean');
  await slideshow.tap();
  await phone.locator('dialog.slideshow .slide img').first().waitFor();
  await context.close();

  // The admin turns it off again.
  await toggle.tap();
  await admin.getByText('Grandpa: Simple mode is off.').waitFor();
  assert.equal(await toggle.isChecked(), false);
  await admin.context().close();
});

test('#20 a landscape photo turned right shows “Getting ready…”, then turned, in the viewer and the grid', async () => {
  const phone = await grandmaOnAPhone();
  await albumWithPhotos(phone, 'Turned', await drawnPhotos(1, 'turn'));
  const tileBefore = await phone.locator('main .grid .tile img').first().getAttribute('src');
  const viewer = await viewerMoreMenu(phone);
  const preview = () => phone.evaluate(() => {
    const img = document.querySelector('dialog .stage img.full');
    return img && img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight] : null;
  });
  const [width, height] = await preview();
  assert.ok(width > height, `landscape at first: ${width}x${height}`);
  await viewer.getByRole('button', { name: 'Turn right' }).tap();
  await viewer.getByText('Getting ready…').waitFor();
  await shot('99a-phone-turning', phone, { screen: true });
  await phone.waitForFunction(() => {
    const img = document.querySelector('dialog .stage img.full');
    return img && img.complete && img.naturalWidth > 0 && img.naturalWidth < img.naturalHeight;
  }, null, { timeout: 60_000 });
  await shot('99b-phone-turned', phone, { screen: true });
  await closeViewer(phone);
  await phone.waitForFunction((old) => {
    const img = document.querySelector('main .grid .tile img');
    return img && img.getAttribute('src') !== old && img.complete && img.naturalWidth > 0;
  }, tileBefore, { timeout: 60_000 });
  await phone.context().close();
});

test('#20 an invite says who invited to which album; someone signed in joins with one tap', async () => {
  const admin = await grandmaOnAPhone();
  const invite = () => admin.evaluate(async (albumId) => (await fetch('/api/v1/invites', { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' }, body: JSON.stringify({ album_id: albumId, role: 'viewer' }) })).json(), chuseokId);
  const [first, second] = [await invite(), await invite()];
  secrets.add(first.token);
  secrets.add(second.token);
  await admin.context().close();

  // Signed out: the join page says who invited her into which album.
  const stranger = await phonePage('en-US');
  await stranger.goto(first.url);
  await stranger.getByRole('heading', { name: 'Join the family album' }).waitFor();
  await stranger.getByText('Grandma invited you to “Chuseok 2024”.').waitFor();
  await noSidewaysScrolling(stranger, 'the join page with who invited');
  await shot('99c-phone-join-invited-by', stranger, { screen: true });
  await stranger.context().close();

  // Grandpa, signed in already, in Korean: one tap joins, and the album opens.
  const context = await browser.newContext({ locale: 'ko-KR', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, bypassCSP: true });
  const phone = await context.newPage();
  await phone.goto(base);
  assert.ok(await phone.evaluate(async (password) => (await fetch('/api/v1/auth/login', { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' },
    body: JSON.stringify({ email: 'grandpa@family.test', password }) })).ok, PASSWORD));
  await phone.goto(second.url);
  await phone.getByText('Grandma님이 ‘Chuseok 2024’ 앨범에 초대했어요.').waitFor();
  await noSidewaysScrolling(phone, 'the invite for someone signed in');
  await shot('99d-phone-accept-invite-ko', phone, { screen: true });
  await runAxe(phone, 'the invite for someone signed in');
  await phone.getByRole('button', { name: '‘Chuseok 2024’ 앨범에 들어가기' }).tap();
  // The album, and the invite off the address bar.
  await phone.waitForURL(`${base}/#/album/${chuseokId}`);
  await phone.getByRole('heading', { name: 'Chuseok 2024' }).waitFor();
  await phone.locator('main .grid .tile img').first().waitFor();
  // Used: opened again, it leads to the albums.
  await phone.goto(second.url);
  await phone.getByRole('heading', { name: '앨범', exact: true }).waitFor();
  assert.equal(phone.url(), `${base}/#/albums`);
  await context.close();
});

/** Whether any of `secrets` is in the server's log (at debug level, the whole run). */
function notLogged(secrets) {
  for (const secret of secrets) {
    const at = serverLog.indexOf(secret);
    assert.ok(at < 0, `a secret (${secret.slice(0, 3)}…) appears in the logs: ${serverLog.slice(Math.max(0, at - 300), at).replaceAll(secret, '<secret>')}`);
  }
}

test('#20 no share link password reaches the logs', async () => {
  notLogged([SHARE_PASSWORD, GUESSED_PASSWORD]);
});

// A share link's token is in its paths (/s/TOKEN, /api/v1/shared/TOKEN/…); the api logs them as /s/{token}.
test('#20 no share link token reaches the logs', async () => {
  assert.ok(shareTokens.size >= 3, `tokens to look for: ${shareTokens.size}`);
  notLogged(shareTokens);
});

// ---------- #19 the month scrubber ----------

/** The scrubber's album: three years, four months each, six photos a month (newest first below). */
const SCRUB_YEARS = [2021, 2019, 2017];
const SCRUB_MONTHS = ['12', '09', '06', '03'];
const SCRUB_PER_MONTH = 6;
let scrubAlbum;

/** A page on the scrubber's album, in Seoul, pages of 12 (not 60) so that a few months make several. */
async function scrubberPage({ locale = 'en-US', viewport = { width: 390, height: 844 }, phone = true } = {}) {
  const context = await browser.newContext({ locale, timezoneId: 'Asia/Seoul', viewport, isMobile: phone, hasTouch: phone, bypassCSP: true,
    serviceWorkers: 'block' });
  await context.route('**/api/v1/albums/*/media?**', async (route) => {
    const url = new URL(route.request().url());
    if (url.searchParams.get('limit') === '60') url.searchParams.set('limit', '12');
    try {
      await route.fulfill({ response: await route.fetch({ url: url.toString() }) });
    } catch (error) {
      // The page went on (or was closed) while this page was on its way: nobody waits for it.
      if (!/already handled|closed|disposed/.test(error.message)) throw error;
    }
  });
  const target = await context.newPage();
  // Signed in afresh (her language is the browser's, not one chosen on another page).
  await target.goto(base);
  assert.ok(await target.evaluate(async (password) => (await fetch('/api/v1/auth/login', { method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'picup' },
    body: JSON.stringify({ email: 'grandma@family.test', password }) })).ok, PASSWORD));
  await target.goto(`${base}/#/album/${scrubAlbum}`);
  await target.locator('main .grid .tile img').first().waitFor();
  return target;
}

/** The file name of the album's first tile (its label is "name, date"). */
const firstTile = (target) => target.locator('main .grid button.tile').first().getAttribute('aria-label').then((label) => label.split(',')[0]);
const waitForFirstTile = (target, name, timeout = 15_000) => target.waitForFunction((wanted) => document.querySelector('main .grid button.tile')
  ?.getAttribute('aria-label')?.startsWith(`${wanted},`), name, { timeout });

/**
 * Drags the scrubber's handle with a finger (touch events, as a phone sends them) down until the
 * bubble says `month`; returns the CDP session with the finger still down (`lift()` lets go).
 */
async function dragHandleTo(target, month, { shotName } = {}) {
  const handle = target.locator('.scrub-handle');
  const box = await handle.boundingBox();
  const x = box.x + box.width / 2;
  let y = box.y + box.height / 2;
  const cdp = await target.context().newCDPSession(target);
  const touch = (type, points) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: points });
  await touch('touchStart', [{ x, y }]);
  const bubble = target.locator('.scrub-bubble');
  let said = '';
  for (let step = 0; step < 300 && said !== month; step += 1) {
    y += 3;
    await touch('touchMove', [{ x, y }]);
    said = (await bubble.isVisible()) ? await bubble.textContent() : '';
  }
  assert.equal(said, month, 'the bubble names the month under the finger');
  // The handle follows the finger (a frame later: moves are dispatched with the frames).
  await target.waitForFunction((at) => {
    const box = document.querySelector('.scrub-handle').getBoundingClientRect();
    return Math.abs(box.top + box.height / 2 - at) < 1;
  }, y, { timeout: 2000 });
  assert.equal(await bubble.textContent(), month);
  if (shotName) await shot(shotName, target, { screen: true });
  return { lift: async () => { await touch('touchEnd', []); await cdp.detach(); } };
}

test('#19 a long album has a month scrubber: years on the right, a finger drags to a month, older pages follow, back to the newest', async () => {
  const phone = await grandmaOnAPhone({ timezoneId: 'Asia/Seoul' });
  const files = [];
  for (const year of SCRUB_YEARS) {
    for (const month of SCRUB_MONTHS) {
      const drawn = await drawnPhotos(SCRUB_PER_MONTH, `${year}-${month}`);
      drawn.forEach((file, i) => files.push({ ...file, buffer: withTakenDate(file.buffer, `${year}:${month}:${String(3 + 4 * i).padStart(2, '0')} 10:00:00`, '+09:00') }));
    }
  }
  await phone.getByRole('button', { name: /New album/ }).tap();
  await phone.getByLabel('Album name').fill('Twenty years of the garden');
  await phone.getByRole('button', { name: 'Create' }).tap();
  await phone.getByRole('heading', { name: 'Twenty years of the garden' }).waitFor();
  scrubAlbum = decodeURIComponent(new URL(phone.url()).hash.split('/')[2]);
  // A small album has no scrubber.
  assert.ok(await phone.locator('.scrubber').isHidden(), 'no scrubber on an empty album');
  await phone.locator('input[type=file]').setInputFiles(files);
  await phone.getByText(`Finished: ${files.length} of ${files.length}`).waitFor({ timeout: 120_000 });
  // Every photo ready, its date read from its EXIF.
  for (let i = 0; ; i += 1) {
    const { items } = await apiFrom(phone, 'GET', `/albums/${scrubAlbum}/media?limit=200`);
    if (items.length === files.length && items.every((item) => item.status === 'ready')) break;
    assert.ok(i < 240, `the photos are ready within 2 minutes (${items.filter((item) => item.status === 'ready').length} of ${files.length})`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const { months } = await phone.evaluate((id) => fetch(`/api/v1/albums/${id}/months?offset_minutes=540`).then((r) => r.json()), scrubAlbum);
  assert.deepEqual(months.map((m) => `${m.month}=${m.count}`), SCRUB_YEARS.flatMap((year) => SCRUB_MONTHS.map((month) => `${year}-${month}=${SCRUB_PER_MONTH}`)));
  await phone.context().close();

  const target = await scrubberPage();
  // The years on the right, newest at the top; the handle a slider for the keyboard.
  const slider = target.getByRole('slider', { name: 'Go to a month' });
  await slider.waitFor();
  await target.waitForFunction(() => document.querySelectorAll('.scrub-year').length === 3);
  assert.deepEqual(await target.locator('.scrub-year').allTextContents(), ['2021', '2019', '2017']);
  const yearTops = await target.locator('.scrub-year').evaluateAll((labels) => labels.map((label) => label.getBoundingClientRect().top));
  assert.ok(yearTops[0] < yearTops[1] && yearTops[1] < yearTops[2], `years from top to bottom: ${yearTops}`);
  // Beside the photos, not over them; at least 44 px for a finger; three photos a row still.
  const [grid, scrub, handleBox] = [await target.locator('main .grid').boundingBox(), await target.locator('.scrubber').boundingBox(),
    await target.locator('.scrub-handle').boundingBox()];
  assert.ok(grid.x + grid.width <= scrub.x + 1, `the grid (to ${grid.x + grid.width}) ends where the scrubber (${scrub.x}) starts`);
  assert.ok(scrub.x + scrub.width <= 390, 'the scrubber is on the screen');
  assert.ok(handleBox.width >= 44 && handleBox.height >= 44, `the handle is big enough: ${handleBox.width}x${handleBox.height}`);
  assert.equal(await target.locator('.scrub-handle').evaluate((node) => getComputedStyle(node).touchAction), 'none');
  assert.equal(await target.evaluate(() => getComputedStyle(document.querySelector('main .grid')).gridTemplateColumns.split(' ').length), 3);
  await noSidewaysScrolling(target, 'the album with its scrubber');
  assert.equal(await firstTile(target), '2021-12-5.jpg');
  await target.waitForFunction(() => [...document.querySelectorAll('main .grid .tile img')].slice(0, 15).every((img) => img.complete && img.naturalWidth > 0));
  await shot('90-phone-scrubber', target, { screen: true });
  await runAxe(target, 'the album with its scrubber');

  // A finger drags the handle down to June 2021 (the bubble says so), and lets go: the album from there.
  const finger = await dragHandleTo(target, 'June 2021', { shotName: '90-phone-scrubber-drag' });
  await finger.lift();
  await waitForFirstTile(target, '2021-06-5.jpg');
  const back = target.getByRole('button', { name: 'Back to the newest' });
  await back.waitFor();
  await target.getByText('Photos from June 2021 and earlier').waitFor();
  // The page is at the top of the grid, the way back in view.
  await target.waitForFunction(() => Math.abs(document.querySelector('.jumped').getBoundingClientRect().top - 8) < 1, null, { timeout: 5000 }).catch(async () => {
    assert.fail(`the way back is at the top of the screen (${await target.locator('.jumped').evaluate((node) => node.getBoundingClientRect().top)})`);
  });
  await target.waitForFunction(() => [...document.querySelectorAll('main .grid .tile img')].slice(0, 12).every((img) => img.complete && img.naturalWidth > 0));
  // The handle shows where the screen is now: June 2021.
  assert.equal(await slider.getAttribute('aria-valuetext'), 'June 2021');
  await shot('90-phone-scrubber-jumped', target, { screen: true });

  // Scrolling loads the older pages, to the oldest photo.
  const after = SCRUB_PER_MONTH * (SCRUB_YEARS.length * SCRUB_MONTHS.length - 2);
  assert.ok((await tiles(target)) < after, `not every page is loaded at once (${await tiles(target)})`);
  for (let i = 0; i < 20 && (await tiles(target)) < after; i += 1) {
    await target.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(await tiles(target), after, 'every older photo, from June 2021 on');
  assert.match(await target.locator('main .grid button.tile').last().getAttribute('aria-label'), /^2017-03-0\.jpg,/);
  // At the very end the handle is at the bottom, on 2017.
  await target.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await target.waitForFunction(() => /2017$/.test(document.querySelector('.scrub-handle').getAttribute('aria-valuetext')));
  const [endHandle, endTrack] = [await target.locator('.scrub-handle').boundingBox(), await target.locator('.scrubber').boundingBox()];
  assert.ok(endHandle.y + endHandle.height > endTrack.y + endTrack.height * 0.75, 'the handle is low on the track');

  // A tap on a year goes to its newest month.
  await target.locator('.scrub-year', { hasText: '2019' }).tap();
  await waitForFirstTile(target, '2019-12-5.jpg');
  await target.getByText('Photos from December 2019 and earlier').waitFor();

  // Back to the newest: the newest photo first again, at the top of the page.
  await back.tap();
  await waitForFirstTile(target, '2021-12-5.jpg');
  await target.locator('.jumped').waitFor({ state: 'hidden' });
  assert.equal(await target.evaluate(() => window.scrollY), 0);
  assert.equal(await slider.getAttribute('aria-valuetext'), 'December 2021');

  // Simple mode (bigger text): the scrubber stays beside the photos, three a row, its handle bigger.
  // (The album's title and buttons take more of the screen: the track is long once she scrolls.)
  await target.evaluate(() => {
    document.body.classList.add('simple');
    document.documentElement.classList.add('simple');
    window.dispatchEvent(new Event('resize'));
    window.scrollTo(0, document.querySelector('main .grid').getBoundingClientRect().top + window.scrollY - 8);
  });
  await target.waitForFunction(() => document.querySelectorAll('.scrub-year').length === 3);
  assert.equal(await target.evaluate(() => getComputedStyle(document.querySelector('main .grid')).gridTemplateColumns.split(' ').length), 3);
  await noSidewaysScrolling(target, 'the scrubber in simple mode');
  const simpleHandle = await target.locator('.scrub-handle').boundingBox();
  assert.ok(simpleHandle.x + simpleHandle.width <= 390, 'the bigger handle is whole on the screen');
  const simpleFinger = await dragHandleTo(target, 'September 2019', { shotName: '90-phone-scrubber-simple' });
  await simpleFinger.lift();
  await waitForFirstTile(target, '2019-09-5.jpg');
  await target.context().close();
});

test('#19 the scrubber in Korean: the bubble says “2019년 9월”, and “최신 사진으로” brings back the newest', async () => {
  const target = await scrubberPage({ locale: 'ko-KR' });
  const slider = target.getByRole('slider', { name: '다른 달로 가기' });
  await slider.waitFor();
  assert.equal(await slider.getAttribute('aria-valuetext'), '2021년 12월');
  const finger = await dragHandleTo(target, '2019년 9월', { shotName: '90-phone-scrubber-ko' });
  await finger.lift();
  await waitForFirstTile(target, '2019-09-5.jpg');
  await target.getByText('2019년 9월부터 예전 사진').waitFor();
  await target.getByRole('button', { name: '최신 사진으로' }).tap();
  await waitForFirstTile(target, '2021-12-5.jpg');
  await target.context().close();
});

test('#19 the scrubber with the keyboard on a computer: PageDown a month at a time, Enter goes; End goes by itself; an upload brings back the newest', async () => {
  const target = await scrubberPage({ viewport: { width: 1280, height: 800 }, phone: false });
  const slider = target.getByRole('slider', { name: 'Go to a month' });
  await slider.waitFor();
  await target.waitForFunction(() => [...document.querySelectorAll('main .grid .tile img')].slice(0, 12).every((img) => img.complete && img.naturalWidth > 0));
  // Tab reaches the handle soon after the album's buttons (not after every photo).
  await target.getByRole('button', { name: 'Slideshow' }).focus();
  for (let i = 0; i < 4 && !(await slider.evaluate((node) => node === document.activeElement)); i += 1) await target.keyboard.press('Tab');
  assert.ok(await slider.evaluate((node) => node === document.activeElement), 'Tab reaches the handle');
  await target.keyboard.press('PageDown');
  await target.keyboard.press('PageDown');
  assert.equal(await slider.getAttribute('aria-valuetext'), 'June 2021');
  assert.equal(await target.locator('.scrub-bubble').textContent(), 'June 2021');
  await shot('90-desktop-scrubber', target, { screen: true });
  await target.keyboard.press('Enter');
  await waitForFirstTile(target, '2021-06-5.jpg');
  await target.getByRole('button', { name: 'Back to the newest' }).waitFor();
  await target.waitForFunction(() => [...document.querySelectorAll('main .grid .tile img')].slice(0, 12).every((img) => img.complete && img.naturalWidth > 0));
  await shot('90-desktop-scrubber-jumped', target, { screen: true });
  // End: the oldest month, gone to after a moment without Enter; the focus stays on the handle.
  await target.keyboard.press('End');
  assert.equal(await slider.getAttribute('aria-valuetext'), 'March 2017');
  await waitForFirstTile(target, '2017-03-5.jpg');
  assert.ok(await slider.evaluate((node) => node === document.activeElement), 'the focus stays on the handle');
  await target.getByText('Photos from March 2017 and earlier').waitFor();
  // Home and Enter: the newest again.
  await target.keyboard.press('Home');
  await target.keyboard.press('Enter');
  await waitForFirstTile(target, '2021-12-5.jpg');
  await target.locator('.jumped').waitFor({ state: 'hidden' });

  // After a jump, adding a photo brings back the newest, where it shows.
  await target.keyboard.press('End');
  await target.keyboard.press('Enter');
  await waitForFirstTile(target, '2017-03-5.jpg');
  await target.locator('input[type=file]').setInputFiles(await drawnPhotos(1, 'new-today'));
  await waitForFirstTile(target, 'new-today-0.jpg', 90_000);
  await target.locator('.jumped').waitFor({ state: 'hidden' });
  await target.context().close();
});

test('#19 opening an album asks once each for who she is, the album and its first page, all from early.js; signed out, the album opens fresh after signing in', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, serviceWorkers: 'block' });
  const target = await context.newPage();
  const cdp = await context.newCDPSession(target);
  await cdp.send('Network.enable');
  const asked = [];
  cdp.on('Network.requestWillBeSent', ({ request, initiator }) => {
    const url = new URL(request.url);
    if (!url.pathname.startsWith('/api/v1/') || request.method !== 'GET') return;
    const by = initiator.stack?.callFrames?.[0]?.url || initiator.url || initiator.type;
    asked.push({ path: url.pathname + url.search, by: by.replace(base, '') });
  });
  const firstScreen = [`/api/v1/me`, `/api/v1/albums/${scrubAlbum}`, `/api/v1/albums/${scrubAlbum}/media?limit=60`];
  const askedOnceByEarly = () => {
    for (const path of firstScreen) {
      const requests = asked.filter((request) => request.path === path);
      assert.equal(requests.length, 1, `${path} is asked once: ${JSON.stringify(asked)}`);
      assert.equal(requests[0].by, '/js/early.js', `${path} is asked by early.js`);
    }
  };

  // Signed out: early.js's answers say so; after signing in, the album is asked for again.
  await target.goto(`${base}/#/album/${scrubAlbum}`);
  await target.getByLabel('Email').fill('grandma@family.test');
  await shot('92-phone-album-link-signed-out', target);
  askedOnceByEarly();
  await target.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await target.getByRole('button', { name: 'Sign in', exact: true }).click();
  await target.locator('main .grid .tile img').first().waitFor();
  assert.equal(asked.filter((request) => request.path === firstScreen[2]).length, 2, `the page is asked again after signing in: ${JSON.stringify(asked)}`);
  assert.equal(await target.getByRole('heading', { name: 'Twenty years of the garden' }).count(), 1);
  await target.waitForFunction(() => [...document.querySelectorAll('main .grid .tile img')].slice(0, 6).every((img) => img.complete && img.naturalWidth > 0));
  await shot('92-phone-album-link-signed-in', target, { screen: true });

  // Signed in, a fresh opening: nothing asked twice.
  asked.length = 0;
  await target.reload();
  await target.locator('main .grid .tile img').first().waitFor();
  await target.waitForTimeout(500);
  askedOnceByEarly();
  await context.close();
});
