// picup's service worker: what makes the album an app on the phone.
//
// - The page itself (index.html, its scripts, styles, vendored files and icons) is kept on install
//   and served from there first, so the album opens at once and without a network; each file is
//   fetched anew behind it, so the next opening has the version the server has now. VERSION
//   changes only with this file's own way of keeping things (it names the cache).
// - Thumbnails (the store's `…/thumb.webp`, on another origin, with a signature in the query that
//   changes on every listing) are fetched from the network as before and the last 500 seen are
//   kept, by their address without the query, so an album seen before shows its photos offline.
// - The api is not touched here: the page keeps the last answers it needs offline itself
//   (js/offline.js), so nothing stands between the page and the api while there is a network.
// - Web Share Target: photos shared from another app (the phone's gallery) arrive as a POST to
//   /share-target; they are kept in the "picup-share" cache and the page opens "Add to album"
//   (#/share-target), which uploads them with the album's own upload code.

const VERSION = '2026-12-02.2';
const SHELL = `picup-shell-${VERSION}`;
const THUMBS = 'picup-thumbs';
const SHARE = 'picup-share';
const MAX_THUMBS = 500;
/** How long a thumbnail may take from the network before the copy kept is shown instead. */
const THUMB_PATIENCE_MS = 4000;

const SHELL_FILES = [
  '/index.html', '/app.css', '/manifest.webmanifest',
  '/js/early.js', '/js/app.js', '/js/api.js', '/js/dom.js', '/js/i18n.js', '/js/album-items.js', '/js/later.js', '/js/viewer.js', '/js/social.js',
  '/js/activity.js', '/js/upload.js', '/js/hash-worker.js', '/js/passkeys.js', '/js/family.js', '/js/slideshow.js',
  '/js/pwa.js', '/js/offline.js', '/js/shared.js', '/js/share-links.js', '/js/memories.js', '/js/scrubber.js',
  '/vendor/thumbhash.js', '/vendor/sha256.js',
  '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-192.png', '/icons/icon-maskable-512.png', '/icons/apple-touch-icon.png',
];
/** Same-origin files kept when first fetched (a script added later than this list). */
const SHELL_PATHS = /^\/(js|vendor|icons)\/|^\/(app\.css|manifest\.webmanifest)$/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL);
    // index.html must be there; a file missing from the list (not made yet) is no reason to fail.
    await cache.add(new Request('/index.html', { cache: 'reload' }));
    await Promise.all(SHELL_FILES.map((url) => cache.add(new Request(url, { cache: 'reload' })).catch(() => {})));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('picup-shell-') && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (url.origin === self.location.origin) {
    if (request.method === 'POST' && url.pathname === '/share-target') event.respondWith(receiveShare(request));
    if (request.method !== 'GET' || url.pathname.startsWith('/api/')) return;
    if (request.mode === 'navigate') {
      // The album's page (and a share link's, /s/TOKEN, which is the same page); other addresses
      // (an original's download, a sign-in provider's return) go to the server as always.
      if (url.pathname === '/' || url.pathname === '/index.html' || url.pathname.startsWith('/s/')) fromShell(event, '/index.html');
      return;
    }
    if (SHELL_PATHS.test(url.pathname)) fromShell(event, url.pathname);
    return;
  }
  if (request.method === 'GET' && request.destination === 'image' && url.pathname.endsWith('/thumb.webp')) {
    event.respondWith(thumbnail(request, url));
  }
});

/**
 * A file of the page: the copy kept, at once (the album opens without waiting for the network),
 * and fetched anew behind it for the next opening. A new version of picup thus reaches the phone
 * one visit after it is installed, with nothing to remember when web/ changes.
 */
function fromShell(event, key) {
  const refresh = caches.open(SHELL).then(async (cache) => {
    const response = await fetch(key, { cache: 'no-cache' });
    if (response.ok) await cache.put(key, response.clone());
    return response;
  });
  event.waitUntil(refresh.catch(() => {}));
  event.respondWith((async () => (await (await caches.open(SHELL)).match(key)) || refresh)());
}

/**
 * A thumbnail: the network's, kept for later (as the newest); the kept copy when the network
 * fails or is slow. Fetched with CORS (the store allows the album's origin), so what is kept is a
 * real image and not an opaque answer; where the store does not allow it, the page's own request
 * goes on as it would have, not kept.
 */
async function thumbnail(request, url) {
  const key = `${url.origin}${url.pathname}`;
  const cache = await caches.open(THUMBS);
  const network = fetch(url.href, { mode: 'cors', credentials: 'omit' }).then(async (response) => {
    // Refused (a signature that ran out, in an answer kept from before): the copy kept, if any.
    if (!response.ok) return (await cache.match(key)) || response;
    await cache.delete(key); // put anew: the last seen are the last in the list
    await cache.put(key, response.clone());
    trimThumbnails(cache);
    return response;
  });
  const fromNetwork = network.catch(async () => {
    const kept = await cache.match(key);
    return kept || fetch(request);
  });
  // A slow network: the copy kept, when there is one (the network's answer is still kept when it comes).
  const slow = new Promise((resolve) => {
    setTimeout(async () => resolve(await cache.match(key)), THUMB_PATIENCE_MS);
  });
  return Promise.race([fromNetwork, slow.then((kept) => kept || fromNetwork)]);
}

let trimming = null;
function trimThumbnails(cache) {
  if (trimming) return;
  trimming = (async () => {
    const keys = await cache.keys();
    for (const key of keys.slice(0, Math.max(0, keys.length - MAX_THUMBS))) await cache.delete(key);
  })().finally(() => { trimming = null; });
}

/** Files shared from another app: kept (replacing any not added yet), then the page's "Add to album". */
async function receiveShare(request) {
  try {
    const form = await request.formData();
    const files = [...form.values()].filter((value) => typeof value === 'object' && value && 'size' in value && value.size > 0);
    const cache = await caches.open(SHARE);
    for (const key of await cache.keys()) await cache.delete(key);
    const stamp = Date.now();
    await Promise.all(files.map((file, index) => cache.put(`/share-target/files/${stamp}-${index}`, new Response(file, {
      headers: {
        'Content-Type': file.type || 'application/octet-stream',
        'X-File-Name': encodeURIComponent(file.name || `shared-${index}`),
        'X-Last-Modified': String(file.lastModified || stamp),
      },
    }))));
  } catch {
    // Nothing could be read: the page says that nothing arrived.
  }
  return Response.redirect('/#/share-target', 303);
}
