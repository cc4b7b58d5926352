// The album as an app on the phone: the service worker (sw.js) is registered; a clear note says
// when the page is offline and shows what was seen before; and photos shared from another app
// (the phone's gallery → Share → picup) land on "Add to album" (#/share-target): a big list of
// the albums she may add to; the one she presses opens and the files upload there with the
// album's own upload code.

import { api } from './api.js';
import { ask, el, explain, icon, page, toast } from './dom.js';
import { t } from './i18n.js';

const SHARE = 'picup-share';

/**
 * Registers the service worker and shows the offline note while there is no network (or the
 * page shows answers kept from before). `onOnline()` when the network comes back after the page
 * showed kept answers (to show the fresh ones).
 */
export function startApp({ onOnline = () => {} } = {}) {
  if ('serviceWorker' in navigator && window.isSecureContext) {
    const register = () => navigator.serviceWorker.register('/sw.js').catch(() => {});
    if (document.readyState === 'complete') register();
    else window.addEventListener('load', register, { once: true });
  }
  const note = el('p', { id: 'offline-note', class: 'offline-note', role: 'status', hidden: true },
    el('span', { class: 'offline-dot', 'aria-hidden': 'true' }), el('span', { class: 'offline-text' }));
  document.querySelector('header.bar')?.after(note);
  let stale = false;
  const update = () => {
    const offline = navigator.onLine === false || stale;
    note.querySelector('.offline-text').textContent = t('offlineNote');
    note.hidden = !offline;
    document.body.classList.toggle('offline', offline);
  };
  // While the page shows kept answers, it asks the server now and then whether it answers again
  // (the phone may say it is online before it really is, or the server may have been away); when
  // it does, the page is shown afresh and the note goes.
  let probe = null;
  const probeIn = (ms) => {
    clearTimeout(probe);
    probe = setTimeout(async () => {
      if (!stale || navigator.onLine === false) return; // the "online" event asks again
      try {
        const response = await fetch('/api/v1/me', { credentials: 'same-origin', cache: 'no-store' });
        if (response.status < 500) {
          stale = false;
          update();
          onOnline();
          return;
        }
      } catch { /* not yet */ }
      probeIn(10_000);
    }, ms);
  };
  window.addEventListener('picup:stale', () => {
    stale = true;
    update();
    probeIn(10_000);
  });
  window.addEventListener('picup:fresh', () => { if (stale && navigator.onLine !== false) { stale = false; update(); } });
  window.addEventListener('offline', update);
  window.addEventListener('online', () => {
    update();
    if (stale) probeIn(300);
  });
  update();
  return { update };
}

// ---------- photos shared from another app ----------

/** The files handed to an album's page, once: { albumId, files }. */
let handed = null;

/** The shared files the album `albumId` is to upload (once), or null. */
export function takeSharedFiles(albumId) {
  if (!handed || String(handed.albumId) !== String(albumId)) return null;
  const { files } = handed;
  handed = null;
  return files;
}

/** The files the service worker kept from the last share, as File objects (oldest first). */
async function sharedFiles() {
  if (!globalThis.caches) return [];
  const cache = await caches.open(SHARE);
  const files = [];
  for (const request of await cache.keys()) {
    const response = await cache.match(request);
    if (!response) continue;
    const blob = await response.blob();
    const name = decodeURIComponent(response.headers.get('X-File-Name') || 'shared');
    const lastModified = Number(response.headers.get('X-Last-Modified')) || Date.now();
    files.push(new File([blob], name, { type: response.headers.get('Content-Type') || blob.type, lastModified }));
  }
  return files;
}

function forgetShared() {
  return globalThis.caches ? caches.delete(SHARE).catch(() => {}) : Promise.resolve();
}

/** A small picture of each of the first files (a photo's own, a play sign for a video). */
function previews(files) {
  const shown = files.slice(0, 8);
  const list = el('ul', { class: 'shared-files', 'aria-hidden': 'true' });
  for (const file of shown) {
    const isImage = file.type.startsWith('image/') && !/hei[cf]/.test(file.type);
    const tile = el('li', { class: `shared-file ${file.type.startsWith('video/') ? 'video' : ''}` });
    if (isImage) {
      const url = URL.createObjectURL(file);
      const image = el('img', { src: url, alt: '' });
      image.addEventListener('load', () => URL.revokeObjectURL(url), { once: true });
      tile.append(image);
    } else {
      tile.append(el('span', { text: file.type.startsWith('video/') ? '▶' : '🖼' }));
    }
    list.append(tile);
  }
  if (files.length > shown.length) list.append(el('li', { class: 'shared-file more', text: `+${files.length - shown.length}` }));
  return list;
}

/**
 * "Add to album": the files shared from another app, and the albums she may add to, each a big
 * button; a new album can be made here too. The chosen album opens and uploads them.
 */
export async function showAddShared() {
  const files = await sharedFiles();
  if (!files.length) {
    page(t('addToAlbum'), el('p', { class: 'lead', text: t('sharedFilesNone') }),
      el('div', { class: 'actions' }, el('a', { class: 'button big', href: '#/albums', text: t('goToAlbums') })));
    return;
  }
  const { items } = await api('GET', '/albums?limit=200');
  const albums = items.filter((album) => album.role !== 'viewer');
  const choose = async (album) => {
    handed = { albumId: album.id, files };
    await forgetShared();
    toast(t('sharedFilesAdding', { album: album.title }));
    // The album takes this page's place in the history: Back does not come back to an empty "Add to album".
    location.replace(`#/album/${album.id}`);
  };
  const list = el('ul', { class: 'album-choices' }, albums.map((album) => el('li', {},
    el('button', { type: 'button', class: 'album-choice', onclick: () => choose(album) },
      el('span', { class: 'choice-cover', 'aria-hidden': 'true' },
        album.cover_url ? el('img', { src: album.cover_url, alt: '' }) : icon('M3 5h18v14H3z', 'M3 16l5-5 5 5', 'M14 14l2-2 5 5')),
      el('span', { class: 'choice-title', text: album.title }),
      el('span', { class: 'choice-count', text: t(album.media_count === 1 ? 'oneItem' : 'items', { n: album.media_count }) })))));
  const create = el('button', { type: 'button', class: 'big quiet', text: `＋ ${t('newAlbum')}`, onclick: async () => {
    const values = await ask(t('newAlbum'), [el('label', {}, t('albumTitle'), el('input', { name: 'title', required: true, maxlength: 200 }))],
      t('create'), { hint: t('newAlbumHint') });
    if (!values) return;
    try {
      choose(await api('POST', '/albums', values));
    } catch (err) { toast(explain(err)); }
  } });
  const cancel = el('button', { type: 'button', class: 'quiet', text: t('dontAdd'), onclick: async () => {
    await forgetShared();
    location.replace('#/albums');
  } });
  page(t('addToAlbum'),
    el('p', { class: 'lead', text: files.length === 1 ? t('sharedFilesOne') : t('sharedFiles', { n: files.length }) }),
    previews(files),
    albums.length ? list : el('p', { text: t('sharedFilesNoAlbum') }),
    el('div', { class: 'actions' }, create, cancel));
  document.getElementById('main').classList.add('add-shared');
}
