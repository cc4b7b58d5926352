// What the album shows without a network: the last answers the api gave to what the album page
// needs (who she is, the albums, an album and its photos) are kept in the browser's Cache
// Storage, and given again when the network fails. Thumbnails are kept by the service worker
// (sw.js). When an answer comes from here, the page says so (the "offline" note, js/pwa.js).
// Everything kept goes when she signs out or her session ends.

const CACHE = 'picup-api';
/** The api paths kept (query strings included in the key: `/albums/7/media?limit=60`), an album's months too. */
const KEPT = /^\/(me|albums)(\/[^/?]+(\/(media|months))?)?$/;
const store = () => (globalThis.caches ? globalThis.caches.open(CACHE) : Promise.reject(new Error('no Cache Storage here')));

/** Keeps a GET's answer, when it is one the album needs offline. */
export function remember(path, data) {
  if (!KEPT.test(path.split('?')[0])) return;
  store().then((cache) => cache.put(`/api/v1${path}`, new Response(JSON.stringify(data), { headers: { 'Content-Type': 'application/json' } })))
    .catch(() => {});
  window.dispatchEvent(new Event('picup:fresh'));
}

/** The answer kept for a GET of `path`, or null; says that the page shows what was seen before. */
export async function recall(path) {
  if (!KEPT.test(path.split('?')[0])) return null;
  try {
    const kept = await (await store()).match(`/api/v1${path}`);
    if (!kept) return null;
    const data = await kept.json();
    window.dispatchEvent(new Event('picup:stale'));
    return data;
  } catch {
    return null;
  }
}

/** Forgets everything kept (signing out, a session that ended). */
export function forget() {
  globalThis.caches?.delete(CACHE).catch(() => {});
}
