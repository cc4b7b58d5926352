// Family activity in the album: the bell with the unread count (kept current by Server-Sent
// Events), "What's new", and search. Comments are always put on the page as text (textContent),
// never as HTML. (Likes and comments beside a photo are in social.js, which the viewer uses.)

import { api } from './api.js';
import { el, page, thumbhashBackground } from './dom.js';
import { date, t, takenText } from './i18n.js';
import { openViewer } from './later.js';

// ---------- the bell ----------

/** Keeps the bell's count current while the page is open; EventSource reconnects by itself. */
export function startBell(bell) {
  const badge = bell.querySelector('.count');
  const show = (count) => {
    badge.textContent = count > 0 ? String(count) : '';
    bell.setAttribute('aria-label', t('notifications', { n: count }));
    bell.dataset.unread = String(count);
  };
  // Until the server says, the count is unknown (not zero).
  bell.setAttribute('aria-label', t('notifications', { n: '…' }));
  delete bell.dataset.unread;
  const events = new EventSource('/api/v1/notifications/stream');
  events.addEventListener('unread', (event) => show(JSON.parse(event.data).unread_count));
  return () => events.close();
}

// ---------- what's new ----------

/** Photos added by one person to one album this close together are one batch (one card). */
const BATCH_GAP_MS = 10 * 60 * 1000;

/**
 * The feed as cards: consecutive "photos added" by the same person to the same album, each
 * within 10 minutes of the next, become one card that counts them all (someone who joins an
 * album is shown its recent past one upload at a time).
 */
export function batches(items) {
  const cards = [];
  for (const item of items) {
    const last = cards[cards.length - 1];
    if (last && item.kind === 'photos_added' && last.kind === 'photos_added' && last.actor_id === item.actor_id
      && last.album_id === item.album_id && Math.abs(Date.parse(last.earliest) - Date.parse(item.at)) <= BATCH_GAP_MS) {
      last.count += item.count;
      last.earliest = item.at;
      last.unread = last.unread || item.unread;
      last.merged += 1;
    } else {
      cards.push({ ...item, earliest: item.at, merged: 1 });
    }
  }
  return cards;
}

function describe(card) {
  const who = card.actor_name;
  switch (card.kind) {
    case 'photos_added': return card.count === 1
      ? t('newPhoto', { who, album: card.album_title })
      : t('newPhotos', { who, n: card.count, album: card.album_title });
    case 'like': return t('likedYours', { who, album: card.album_title });
    case 'comment': return t('commentedYours', { who, album: card.album_title });
    case 'member_joined': return t('joined', { who, album: card.album_title });
    case 'on_this_day': return t(card.count === 1 ? 'memoriesNewsOne' : 'memoriesNews', { n: card.count, years: (card.years || []).join(', ') });
    default: return who;
  }
}

/** Where a card leads: the photo (with its comments, for a comment), or the album for a batch. */
function target(card) {
  if (card.kind === 'on_this_day') return '#/albums';
  const album = `#/album/${card.album_id}`;
  if (!card.media_id) return album;
  if (card.kind === 'comment') return `${album}/photo/${card.media_id}?comments`;
  if (card.kind === 'like' || (card.kind === 'photos_added' && card.count === 1)) return `${album}/photo/${card.media_id}`;
  return album;
}

export async function showNews() {
  const feed = await api('GET', '/feed?limit=50');
  const cards = batches(feed.items);
  const list = el('ol', { class: 'news' });
  for (const card of cards) {
    const picture = card.thumbnail_url ? el('img', { src: card.thumbnail_url, alt: '' }) : null;
    list.append(el('li', { class: card.unread ? 'unread' : null },
      el('a', { href: target(card), class: 'news-item' }, picture,
        el('span', {}, el('strong', { text: describe(card) }),
          card.comment ? el('q', { class: 'comment-body', text: card.comment }) : null,
          el('span', { class: 'hint', text: date(card.at) })),
        el('span', { class: 'chevron', 'aria-hidden': 'true', text: '›' }))));
  }
  page(t('news'), cards.length ? list : el('p', { text: t('noNews') }));
  await api('POST', '/notifications/read', {}).catch(() => {});
}

// ---------- search ----------

/**
 * Search: on a phone the page has its own big search box (the Search tab leads here); on a
 * computer the header's box is used. A found photo opens in the viewer, where Delete is offered
 * only to whom may delete it (its uploader, or the owner of its album).
 */
export async function showSearch(query, me) {
  const input = el('input', { type: 'search', name: 'q', value: query || null, placeholder: t('searchHint'), autocomplete: 'off', 'aria-label': t('searchWhat') });
  const form = el('form', { class: 'page-search', role: 'search', onsubmit: (event) => {
    event.preventDefault();
    const words = input.value.trim();
    if (words) location.hash = `#/search/${encodeURIComponent(words)}`;
  } }, input, el('button', { type: 'submit', class: 'big', text: t('search') }));
  if (!query) {
    page(t('search'), form, el('p', { class: 'hint', text: t('searchHelp') }));
    return;
  }
  const [results, albums] = await Promise.all([
    api('GET', `/search?q=${encodeURIComponent(query)}&limit=100`),
    api('GET', '/albums?limit=200'),
  ]);
  const roles = new Map(albums.items.map((album) => [album.id, album.role]));
  const canDelete = (item) => roles.get(item.album_id) === 'owner' || item.owner_id === me.id;
  const found = el('ul', { class: 'album-hits' }, ...results.albums.map((album) =>
    el('li', {}, el('a', { href: `#/album/${album.id}`, text: t('albumHit', { title: album.title }) }))));
  const grid = el('ul', { class: 'grid', 'aria-label': t('searchResults') });
  results.items.forEach((item, index) => {
    const button = el('button', { class: 'tile', 'aria-label': `${item.filename}, ${takenText(item)}`,
      onclick: () => openViewer(results.items, index, { onChange: () => showSearch(query, me), canDelete }) },
    item.urls.thumbnail ? el('img', { src: item.urls.thumbnail, alt: '', loading: 'lazy' }) : null);
    thumbhashBackground(button, item.thumbhash);
    grid.append(el('li', {}, button));
  });
  const nothing = !results.albums.length && !results.items.length;
  page(t('searchFor', { q: query }), form, results.albums.length ? found : null,
    nothing ? el('p', { text: t('noResults') }) : grid);
}
