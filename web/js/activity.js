// Family activity in the album: the bell with the unread count (kept current by Server-Sent
// Events), "What's new", and search. Comments are always put on the page as text (textContent),
// never as HTML. (Likes and comments beside a photo are in social.js, which the viewer uses.)

import { api } from './api.js';
import { el, explain, page, thumbhashBackground, toast } from './dom.js';
import { date, t } from './i18n.js';
import { openViewer } from './viewer.js';

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

function describe(item) {
  const who = item.actor_name;
  switch (item.kind) {
    case 'photos_added': return t('newPhotos', { who, n: item.count, album: item.album_title });
    case 'like': return t('likedYours', { who, album: item.album_title });
    case 'comment': return t('commentedYours', { who, album: item.album_title });
    case 'member_joined': return t('joined', { who, album: item.album_title });
    default: return who;
  }
}

export async function showNews(me) {
  const [feed, following] = await Promise.all([api('GET', '/feed?limit=50'), api('GET', '/following')]);
  const followed = new Set(following.items.map((person) => person.id));
  const list = el('ol', { class: 'news' });
  for (const item of feed.items) {
    const picture = item.thumbnail_url ? el('img', { src: item.thumbnail_url, alt: '' }) : null;
    const follow = item.actor_id !== me.id
      ? el('button', { class: 'quiet', text: followed.has(item.actor_id) ? t('following') : t('follow', { who: item.actor_name }),
        'aria-pressed': String(followed.has(item.actor_id)), onclick: async (event) => {
          const on = !followed.has(item.actor_id);
          try {
            await api(on ? 'PUT' : 'DELETE', `/users/${item.actor_id}/follow`);
            if (on) followed.add(item.actor_id); else followed.delete(item.actor_id);
            event.target.textContent = on ? t('following') : t('follow', { who: item.actor_name });
            event.target.setAttribute('aria-pressed', String(on));
          } catch (err) { toast(explain(err)); }
        } })
      : null;
    list.append(el('li', { class: item.unread ? 'unread' : null },
      el('a', { href: `#/album/${item.album_id}`, class: 'news-item' }, picture,
        el('span', {}, el('strong', { text: describe(item) }),
          item.comment ? el('q', { class: 'comment-body', text: item.comment }) : null,
          el('span', { class: 'hint', text: date(item.at) }))),
      follow));
  }
  page(t('news'), feed.items.length ? list : el('p', { text: t('noNews') }));
  await api('POST', '/notifications/read', {}).catch(() => {});
}

// ---------- search ----------

export async function showSearch(query) {
  const results = await api('GET', `/search?q=${encodeURIComponent(query)}&limit=100`);
  const albums = el('ul', { class: 'album-hits' }, ...results.albums.map((album) =>
    el('li', {}, el('a', { href: `#/album/${album.id}`, text: t('albumHit', { title: album.title }) }))));
  const grid = el('ul', { class: 'grid', 'aria-label': t('searchResults') });
  results.items.forEach((item, index) => {
    const button = el('button', { class: 'tile', 'aria-label': `${item.filename}, ${t('takenOn', { date: date(item.taken_at) })}`,
      onclick: () => openViewer(results.items, index, () => showSearch(query)) },
    item.urls.thumbnail ? el('img', { src: item.urls.thumbnail, alt: '', loading: 'lazy' }) : null);
    thumbhashBackground(button, item.thumbhash);
    grid.append(el('li', {}, button));
  });
  const nothing = !results.albums.length && !results.items.length;
  page(t('searchFor', { q: query }), results.albums.length ? albums : null,
    nothing ? el('p', { text: t('noResults') }) : grid);
}
