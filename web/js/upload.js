// Uploads go from the browser straight to the object store with the presigned URLs the api
// hands out: one PUT for small files, parts (each retried) for big ones, then "complete".

import { api } from './api.js';

export const ALLOWED_TYPES = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif',
  gif: 'image/gif', mp4: 'video/mp4', mov: 'video/quicktime', webm: 'video/webm',
};

/** The content type picup takes for this file, or null. Phones often leave HEIC's type empty. */
export function contentTypeOf(file) {
  const type = (file.type || '').toLowerCase();
  if (Object.values(ALLOWED_TYPES).includes(type)) return type;
  const extension = file.name.split('.').pop().toLowerCase();
  return ALLOWED_TYPES[extension] || null;
}

/** Files up to this size are hashed by the browser's own SHA-256 (fast, but whole in memory). */
const WHOLE_HASH_LIMIT = 64 * 1024 * 1024;

/**
 * The file's SHA-256 in hex, or null where this browser cannot compute it. Small files use the
 * browser's SubtleCrypto (which has no streaming digest and exists only on https or localhost);
 * the rest stream through a Web Worker, so a 4 GB video neither freezes the page nor fills memory.
 */
export async function sha256Of(file) {
  if (globalThis.crypto?.subtle && file.size <= WHOLE_HASH_LIMIT) {
    const digest = await crypto.subtle.digest('SHA-256', await file.arrayBuffer());
    return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  }
  if (typeof Worker === 'undefined') return null;
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./hash-worker.js', import.meta.url));
    const done = (sha256) => { worker.terminate(); resolve(sha256); };
    worker.onmessage = ({ data }) => { if ('sha256' in data || 'error' in data) done(data.sha256 || null); };
    worker.onerror = () => done(null);
    worker.postMessage(file);
  });
}

const PART_ATTEMPTS = 4;
const PARALLEL_PARTS = 3;

/** PUT a body with progress events; resolves with the ETag. */
function put(url, headers, body, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    for (const [name, value] of Object.entries(headers || {})) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onProgress(event.loaded);
    request.onload = () => (request.status >= 200 && request.status < 300
      ? resolve(request.getResponseHeader('ETag'))
      : reject(new Error(`storage answered ${request.status}`)));
    request.onerror = () => reject(new Error('network error'));
    request.send(body);
  });
}

/** Resolves when the browser has a network again (at once when it has one). */
function online() {
  if (navigator.onLine !== false) return Promise.resolve();
  return new Promise((resolve) => window.addEventListener('online', resolve, { once: true }));
}

/**
 * Runs `run` until it succeeds, `attempts` times at most with growing pauses. A failure while the
 * phone has no network costs no attempt: it waits for the network (`onWaiting(true)`, then
 * `onWaiting(false)`) however long that takes, then goes on.
 */
async function withRetries(attempts, run, onWaiting = () => {}) {
  for (let attempt = 1; ; ) {
    try {
      return await run();
    } catch (err) {
      if (navigator.onLine === false) {
        onWaiting(true);
        await online();
        onWaiting(false);
        continue;
      }
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
      attempt += 1;
    }
  }
}

/**
 * Uploads one file into an album. `onProgress(sentBytes)` reports progress; `onWaiting(true)`
 * says the upload waits for the network, `onWaiting(false)` that it goes on. Resolves with the
 * media item, and `duplicate` when the family had the file already (nothing was sent or
 * charged). `existing` resumes an earlier reservation (a retried upload).
 */
export async function uploadFile(albumId, file, onProgress, existing, onWaiting) {
  const contentType = contentTypeOf(file);
  let reservation;
  if (existing) {
    reservation = await api('GET', `/uploads/${existing}`);
  } else {
    const sha256 = await sha256Of(file);
    reservation = await api('POST', `/albums/${albumId}/uploads`,
      { filename: file.name, size: file.size, content_type: contentType, ...(sha256 ? { sha256 } : {}) });
    if (reservation.duplicate) return { media: reservation.media, duplicate: true };
  }
  try {
    return await send(reservation, file, onProgress, onWaiting);
  } catch (err) {
    err.uploadId = reservation.id; // a retry resumes this reservation instead of making another
    throw err;
  }
}

/**
 * Where to PUT a part. An upload that declared its SHA-256 gets each part's URL by naming the
 * part's own SHA-256, which the store then checks: bytes changed on the way are refused and sent
 * again, never stored.
 */
async function partTarget(uploadId, part, chunk) {
  if (part.url) return { url: part.url, headers: {} };
  const sha256 = await sha256Of(chunk);
  return withRetries(PART_ATTEMPTS, () => api('POST', `/uploads/${uploadId}/parts/${part.part_number}`, { sha256 }));
}

async function send(reservation, file, onProgress, onWaiting) {
  if (reservation.method === 'PUT') {
    await withRetries(2, () => put(reservation.url, reservation.headers, file, onProgress), onWaiting);
    const done = await api('POST', `/uploads/${reservation.id}/complete`, {});
    return { media: done.media, uploadId: reservation.id };
  }
  // A resumed upload (GET /uploads/{id}) lists the parts the store already holds; only the
  // others have URLs.
  const already = reservation.parts_done || [];
  const sent = new Map(already.map((part) => [part.part_number, part.size]));
  const report = () => onProgress([...sent.values()].reduce((a, b) => a + b, 0));
  const queue = [...reservation.parts];
  const completed = already.map((part) => ({ part_number: part.part_number, etag: part.etag }));
  const worker = async () => {
    while (queue.length) {
      const part = queue.shift();
      const start = (part.part_number - 1) * reservation.part_size;
      const chunk = file.slice(start, start + part.size);
      const target = await partTarget(reservation.id, part, chunk);
      const etag = await withRetries(PART_ATTEMPTS, () => put(target.url, target.headers, chunk, (loaded) => {
        sent.set(part.part_number, loaded);
        report();
      }), onWaiting);
      completed.push({ part_number: part.part_number, etag: etag || '' });
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
  completed.sort((a, b) => a.part_number - b.part_number);
  const done = await api('POST', `/uploads/${reservation.id}/complete`, { parts: completed });
  return { media: done.media, uploadId: reservation.id };
}
