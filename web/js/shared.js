// The page a share link opens (/s/TOKEN) for relatives without an account: one album, read-only,
// with no sign-in. Its grid and the viewer (no likes, comments or Delete), and Download (one
// original, or the whole album as a ZIP) only when the link allows it. A link with a password asks
// for it once (the server keeps the browser's grant in a cookie); a link that was stopped or has
// run out says so in plain words.

import { api } from './api.js';
import { el, explain, icon, page, patchGrid, thumbhashBackground } from './dom.js';
import { AlbumItems } from './album-items.js';
import { openViewer, startSlideshow } from './later.js';
import { date, t } from './i18n.js';

const DOWNLOAD_ICON = ['M12 3v12', 'M7 10l5 5 5-5', 'M5 21h14'];

/** The token when the page was opened at /s/TOKEN, else null. */
export function sharedToken() {
  const match = location.pathname.match(/^\/s\/([A-Za-z0-9_-]+)\/?$/);
  return match ? match[1] : null;
}

/** Shows what the link opens: the album, the password question, or why it no longer opens. */
export async function showShared(token) {
  document.body.classList.add('shared-page');
  let link;
  try {
    link = await api('GET', `/shared/${token}`);
  } catch (err) {
    if (err.code === 'password_required') return askPassword(token);
    if (err.status === 410) return showEnded('sharedEndedTitle', 'sharedEnded');
    if (err.status === 404) return showEnded('sharedUnknownTitle', 'sharedUnknown');
    return page('picup', el('p', { class: 'error', role: 'alert', text: explain(err) }),
      el('div', { class: 'actions' }, el('button', { class: 'big', text: t('retry'), onclick: () => showShared(token) })));
  }
  return showSharedAlbum(token, link);
}

/** A stopped, expired or unknown link: what happened and what to do, nothing else. */
function showEnded(title, what) {
  page(t(title), el('div', { class: 'ended' }, el('p', { class: 'lead', text: t(what) })));
}

/** "a few seconds", "a minute", "5 minutes": how long to wait, roughly, in her words. */
function waitText(seconds) {
  if (!seconds || seconds <= 10) return t('waitFewSeconds');
  if (seconds <= 90) return t('waitMinute');
  return t('waitMinutes', { n: Math.ceil(seconds / 60) });
}

/** The link's password, asked once: a big field, a clear error, a clear "wait" when slowed down. */
function askPassword(token) {
  const input = el('input', { id: 'share-password', name: 'password', type: 'password', autocomplete: 'off', required: true,
    class: 'big-field', 'aria-describedby': 'share-password-hint' });
  const show = el('input', { type: 'checkbox', onchange: () => { input.type = show.checked ? 'text' : 'password'; } });
  const error = el('p', { class: 'error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'big', text: t('sharedOpen') });
  const form = el('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    let wait = 0;
    try {
      await api('POST', `/shared/${token}/password`, { password: input.value });
    } catch (err) {
      if (err.code === 'wrong_password') error.textContent = t('sharedWrongPassword');
      else if (err.code === 'rate_limited') {
        wait = err.retryAfter || 5;
        error.textContent = t('sharedTooManyTries', { wait: waitText(wait) });
      } else if (err.status === 410) return showEnded('sharedEndedTitle', 'sharedEnded');
      else error.textContent = explain(err);
      // The button comes back when she may try again.
      setTimeout(() => { submit.disabled = false; }, wait * 1000);
      input.select();
      return;
    }
    showShared(token);
  } },
  el('p', { class: 'lead', text: t('sharedPasswordLead') }),
  el('label', { for: 'share-password', text: t('password') }), input,
  el('p', { id: 'share-password-hint', class: 'hint rule', text: t('sharedPasswordHint') }),
  el('label', { class: 'check' }, show, t('showPassword')),
  error,
  submit);
  page(t('sharedPasswordTitle'), form);
  input.focus();
}

/** The album: its photos in a grid, the viewer, and Download when the link allows it. */
function showSharedAlbum(token, link) {
  const allowed = link.allow_download;
  const grid = el('ul', { class: 'grid', 'aria-label': link.album.title });
  const empty = el('p', { text: t('sharedEmpty'), hidden: true });
  const sentinel = el('div', { 'aria-hidden': 'true' });
  // What a relative is sent has no status (only ready photos are shown): the viewer wants one.
  const ready = (items) => items.map((item) => ({ ...item, status: 'ready' }));
  const list = new AlbumItems(null, {
    path: `/shared/${token}/media`,
    onChange: (items) => render(items),
    isShown: () => grid.isConnected,
  });
  let shown = [];
  const open = (item) => {
    shown = ready(list.items);
    openViewer(shown, shown.findIndex((other) => other.id === item.id), {
      social: false,
      downloadUrl: allowed ? (one) => `/api/v1/shared/${token}/media/${encodeURIComponent(one.id)}/download` : null,
    });
  };
  const tileFor = (item) => {
    const when = date(item.taken_at);
    const button = el('button', { class: 'tile', 'aria-label': t(item.kind === 'video' ? 'videoAlt' : 'photoAlt', { date: when }),
      onclick: () => open(item) },
    el('img', { src: item.urls.thumbnail, alt: '', loading: 'lazy' }),
    item.kind === 'video' ? el('span', { class: 'badge', text: '▶' }) : null,
    item.live ? el('span', { class: 'badge live', text: t('live') }) : null);
    thumbhashBackground(button, item.thumbhash);
    return el('li', {}, button);
  };
  let tiles = new Map();
  // A shared album lists ready items only, so a tile, once made, stays as it is.
  const render = (items) => {
    tiles = patchGrid(grid, tiles, items, () => '', tileFor);
    empty.hidden = items.length > 0;
  };
  const fill = list.followScrolling(grid, sentinel, () => {});

  // The whole album as one file, when the link allows it.
  const zip = allowed ? el('a', { class: 'button big quiet', href: `/api/v1/shared/${token}/download`, download: '' },
    icon(...DOWNLOAD_ICON), el('span', { text: t('downloadAll') })) : null;
  // The slideshow: the whole screen, one photo after another (it reads on as it goes).
  const slideshow = el('button', { type: 'button', class: 'big quiet slideshow-start', onclick: () => startSlideshow(ready(list.items), 0, {
    fetchMore: async () => {
      const before = list.items.length;
      await list.loadMore();
      return ready(list.items.slice(before));
    },
  }) }, el('span', { class: 'triangle', 'aria-hidden': 'true' }), el('span', { text: t('startSlideshow') }));
  page(link.album.title,
    el('div', { class: 'shared-about' },
      el('p', { class: 'lead', text: t('sharedLead') }),
      el('p', { class: 'hint', text: link.expires_at ? t('sharedUntil', { date: date(link.expires_at) }) : t('sharedLookOnly') })),
    el('div', { class: 'actions shared-actions' }, slideshow, zip),
    empty, grid, sentinel);
  document.getElementById('main').classList.add('album-page');
  return fill();
}
