// What a browser test of the web album needs: a real picup-api (embedded defaults: SQLite and its
// own object store) on free ports, Debian's Chromium, screenshots in output/, and sample files.
// (album.test.js keeps its own copy of these; this is the part tv.test.js uses.)

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const here = dirname(fileURLToPath(import.meta.url));
export const repo = join(here, '..', '..');
export const corpus = join(repo, '..', 'shared', 'corpus');
export const output = join(here, 'output');
const binary = process.env.PICUP_API_BIN || join(repo, 'target', 'debug', 'picup-api');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

export function freePort() {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts picup-api with its defaults (SQLite, the embedded object store) in a fresh data
 * directory, serving web/ from disk. Resolves with { base, stop, log() } once /healthz answers.
 */
export async function startApi(extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'picup-tv-'));
  const [port, s3Port] = [await freePort(), await freePort()];
  const base = `http://localhost:${port}`;
  const env = { ...process.env, PICUP_HTTP_ADDR: `127.0.0.1:${port}`, PICUP_EMBEDDED_S3_ADDR: `127.0.0.1:${s3Port}`,
    PICUP_PUBLIC_URL: base, PICUP_DATA_DIR: dataDir, PICUP_WEB_DIR: process.env.PICUP_TEST_WEB_DIR || join(repo, 'web'), RUST_LOG: 'info',
    PICUP_RATE_AUTH_PER_MINUTE: '120', ...extraEnv };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  let log = '';
  const server = spawn(binary, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout.on('data', (chunk) => { log += chunk; });
  server.stderr.on('data', (chunk) => { log += chunk; });
  let up = false;
  for (let i = 0; i < 200 && !up; i += 1) {
    try {
      up = (await fetch(`${base}/healthz`)).ok;
    } catch { /* not up yet */ }
    if (!up) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!up) throw new Error(`picup-api did not start:\n${log}`);
  return {
    base,
    log: () => log,
    stop: () => {
      server.kill('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function launchBrowser() {
  mkdirSync(output, { recursive: true });
  return chromium.launch({ executablePath: '/usr/bin/chromium', args: FLAGS });
}

/** A screenshot into output/NAME.png: the whole page, or (`screen`) what the screen shows. */
export async function shot(target, name, { screen = true } = {}) {
  const path = join(output, `${name}.png`);
  await target.screenshot({ path, fullPage: !screen });
  return path;
}

/** Corpus photos where they are, else none (drawnPhotos makes more). */
export function corpusPhotos() {
  const names = ['orientation/Landscape_6.jpg', 'jpeg/canon_hdr_NO.jpg', 'jpeg/portrait-orientation-6.jpg'];
  return names.filter((name) => existsSync(join(corpus, name)))
    .map((name) => ({ name: name.split('/').pop(), mimeType: 'image/jpeg', buffer: readFileSync(join(corpus, name)) }));
}

/** JPEGs the browser draws, each its own colour and label (so no two are the same file). */
export async function drawnPhotos(page, count, prefix = 'drawn') {
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
      context.fillRect(100, 100, 360, 200);
      context.fillStyle = '#000';
      context.font = '40px sans-serif';
      context.fillText(label, 120, 220);
      return canvas.toDataURL('image/jpeg', 0.9);
    }, [(i * 97 + 30) % 360, `${prefix}-${i}`]);
    files.push({ name: `${prefix}-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') });
  }
  return files;
}

/** The corpus's short video, or null. */
export function sampleVideo() {
  const path = join(corpus, 'video', 'mp42-hvc1.mp4');
  return existsSync(path) ? { name: 'recital.mp4', mimeType: 'video/mp4', buffer: readFileSync(path) } : null;
}

/** Calls the api from the page (its cookies; X-Requested-With as the album sends it). */
export function apiFrom(page, method, path, body) {
  return page.evaluate(async ([m, p, b]) => {
    const response = await fetch(`/api/v1${p}`, { method: m, headers: { 'X-Requested-With': 'picup', ...(b ? { 'Content-Type': 'application/json' } : {}) },
      body: b ? JSON.stringify(b) : undefined });
    const text = await response.text();
    if (!response.ok) throw new Error(`${m} ${p}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }, [method, path, body ?? null]);
}

/** Waits until `count` tiles of the album on screen show their thumbnails. */
export async function waitForThumbnails(page, count) {
  await page.waitForFunction((n) => {
    const images = [...document.querySelectorAll('main .grid .tile img')];
    return images.length >= n && images.every((img) => img.complete && img.naturalWidth > 0);
  }, count, { timeout: 90_000 });
}
