// Goal 5 of #19: how soon a grandmother's phone shows the first screen of an album of PHOTOS
// (500) photos, as a first visit (nothing cached, no service worker): a 390x844 screen, on the
// network as measured nowhere near a city (1.6 Mbps down, 750 kbps up, 150 ms round trips) and
// unthrottled, side by side in one run. Prints, from the navigation's start: when the first
// thumbhash placeholder is drawn, when every tile on the first screen shows its thumbnail, the
// layout shift (CLS) until then, and the bytes the page fetched. With BASELINE=<git revision>,
// the web album of that revision is measured too, in the same run, against the same api and
// album: the api serves its web folder through a link the script points at one or the other.
//
//   cd web/tests && npm ci && node phone-bench.mjs     (PICUP_API_BIN=../../target/release/picup-api PHOTOS=500 BASELINE=HEAD)
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiFrom, drawnPhotos, launchBrowser, repo, startApi } from './harness.js';

const photos = Number(process.env.PHOTOS || 500);
const networks = [
  ['unthrottled', null],
  ['1.6 Mbps / 150 ms', { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 }],
];
const account = { email: 'bench@family.test', password: 'a long family password', display_name: 'Bench' };

// The web folders measured, each as a name and a folder; the api serves `served`, a link to one.
const folders = mkdtempSync(join(tmpdir(), 'picup-phone-bench-'));
const variants = [['now', join(repo, 'web')]];
if (process.env.BASELINE) {
  const baseline = join(folders, 'baseline');
  execSync(`mkdir -p ${baseline} && git -C ${repo} archive ${process.env.BASELINE} web | tar -x -C ${baseline}`);
  variants.unshift([`at ${process.env.BASELINE}`, join(baseline, 'web')]);
}
const served = join(folders, 'served');
const serve = (folder) => {
  rmSync(served, { force: true });
  symlinkSync(folder, served);
};
serve(variants[0][1]);

const api = await startApi({ PICUP_WEB_DIR: served, PICUP_RATE_USER_BURST: '100000', PICUP_RATE_IP_BURST: '100000',
  PICUP_RATE_USER_PER_SECOND: '100000', PICUP_RATE_IP_PER_SECOND: '100000', RUST_LOG: 'error' });
const browser = await launchBrowser();
try {
  // The album: PHOTOS photos the browser draws, uploaded as the album uploads them, thumbnailed.
  const seeding = await browser.newPage();
  await seeding.goto(api.base);
  await apiFrom(seeding, 'POST', '/auth/register', account);
  await apiFrom(seeding, 'POST', '/auth/login', { email: account.email, password: account.password });
  const album = (await apiFrom(seeding, 'POST', '/albums', { title: 'Our family' })).id;
  const started = Date.now();
  for (const file of await drawnPhotos(seeding, photos, 'photo')) {
    const reservation = await apiFrom(seeding, 'POST', `/albums/${album}/uploads`,
      { filename: file.name, size: file.buffer.length, content_type: file.mimeType });
    const put = await fetch(reservation.url, { method: 'PUT', headers: reservation.headers, body: file.buffer });
    if (!put.ok) throw new Error(`PUT ${put.status}`);
    await apiFrom(seeding, 'POST', `/uploads/${reservation.id}/complete`, {});
  }
  for (;;) {
    const page = await apiFrom(seeding, 'GET', `/albums/${album}/media?limit=200`);
    if (page.items.every((item) => item.status !== 'processing')) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  console.log(`an album of ${photos} photos, uploaded and thumbnailed in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  for (const [network, conditions] of networks) for (const [variant, folder] of variants) {
    serve(folder);
    const label = `${variant}, ${network}`;
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 3,
      isMobile: true, hasTouch: true, serviceWorkers: 'block' });
    await context.request.post(`${api.base}/api/v1/auth/login`, { data: { email: account.email, password: account.password } });
    const page = await context.newPage();
    await page.addInitScript(() => {
      window.benchShift = 0;
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.benchShift += entry.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    if (conditions) await cdp.send('Network.emulateNetworkConditions', conditions);
    let bytes = 0;
    cdp.on('Network.loadingFinished', (event) => { bytes += event.encodedDataLength; });
    await page.goto(`${api.base}/#/album/${album}`, { waitUntil: 'commit' });
    const figures = await page.evaluate(() => new Promise((resolve) => {
      let placeholder = null;
      const onScreen = (element) => {
        const box = element.getBoundingClientRect();
        return box.bottom > 0 && box.top < innerHeight && box.width > 0;
      };
      const look = () => {
        const tiles = [...document.querySelectorAll('main .grid .tile')].filter(onScreen);
        if (placeholder === null && tiles.some((tile) => getComputedStyle(tile).backgroundImage.startsWith('url('))) {
          placeholder = performance.now();
        }
        const images = tiles.map((tile) => tile.querySelector('img'));
        if (tiles.length > 0 && images.every((img) => img && img.complete && img.naturalWidth > 0)) {
          resolve({ placeholder, shown: performance.now(), tiles: tiles.length, shift: window.benchShift });
        } else {
          requestAnimationFrame(look);
        }
      };
      look();
    }));
    const ms = (value) => (value === null ? '   none' : `${Math.round(value).toString().padStart(5)} ms`);
    console.log(`${label.padEnd(30)} first placeholder ${ms(figures.placeholder)}; the first screen's ${figures.tiles} thumbnails ${ms(figures.shown)}; `
      + `layout shift ${figures.shift.toFixed(3)}; ${(bytes / 1024).toFixed(0)} KiB fetched`);
    await context.close();
  }
} finally {
  await browser.close();
  api.stop();
  rmSync(folders, { recursive: true, force: true });
}
