// How fast the web album hashes a file before reserving it (#16), in Debian's Chromium: the
// browser's own SHA-256 (SubtleCrypto, whole file in memory; what files up to 64 MiB use) and the
// streaming Web Worker (web/js/hash-worker.js; what bigger files use), side by side on the same
// 200 MB of bytes. Prints MB/s for each, three rounds.
//
//   cd web/tests && npm ci && node hash-bench.mjs
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const web = join(dirname(fileURLToPath(import.meta.url)), '..');
const types = { '.js': 'text/javascript', '.html': 'text/html' };
const server = createServer(async (request, response) => {
  const path = request.url === '/' ? null : join(web, request.url);
  const body = path ? await readFile(path).catch(() => null) : '<!doctype html><title>hash bench</title>';
  response.writeHead(body ? 200 : 404, { 'content-type': types[extname(path || '.html')] || 'text/plain' });
  response.end(body || '');
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox'] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
const size = 200 * 1000 * 1000;
for (let round = 1; round <= 3; round += 1) {
  const [subtle, worker] = await page.evaluate(async (n) => {
    const bytes = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const file = new File([bytes], 'video.mp4');
    let started = performance.now();
    await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    const subtleMs = performance.now() - started;
    const { sha256Of } = await import('/js/upload.js');
    started = performance.now();
    await sha256Of(file); // over 64 MiB: the worker
    return [subtleMs, performance.now() - started];
  }, size);
  console.log(`round ${round}: SubtleCrypto ${(size / subtle / 1000).toFixed(0)} MB/s, streaming worker ${(size / worker / 1000).toFixed(0)} MB/s`);
}
await browser.close();
server.close();
