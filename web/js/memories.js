// "On this day" on the albums page: the photos taken on today's date in earlier years, a short row
// per year ("3 years ago today"); a tap opens the viewer on that photo. Nothing at all when there
// are none.

import { api } from './api.js';
import { el, thumbhashBackground } from './dom.js';
import { t, takenText } from './i18n.js';
import { openViewer } from './later.js';

/** How many photos a year shows in its row (the viewer pages through them all). */
const PER_YEAR = 6;

/** Today as this device knows it (YYYY-MM-DD), and its time zone in minutes east of UTC. */
export function today(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return { on: `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`, offset: -now.getTimezoneOffset() };
}

/**
 * The strip for the albums page, or null when there is nothing from this day. `me` is who is
 * signed in (her own photos may be deleted from the viewer); `onChange()` after a delete.
 */
export async function memoriesStrip(me, onChange = () => {}) {
  const { on, offset } = today();
  const { items: years } = await api('GET', `/memories?on=${on}&offset_minutes=${offset}`);
  const groups = years.filter((year) => year.media.length > 0);
  if (!groups.length) return null;
  const all = groups.flatMap((year) => year.media);
  const open = (item) => openViewer(all, all.indexOf(item), { onChange, canDelete: (one) => one.owner_id === me.id });
  return el('section', { class: 'memories', 'aria-labelledby': 'memories-title' },
    el('h2', { id: 'memories-title', text: t('onThisDay') }),
    el('ul', { class: 'memory-years' }, groups.map((year) => {
      const more = year.media.length - PER_YEAR;
      const shown = year.media.slice(0, PER_YEAR);
      return el('li', {},
        el('h3', { text: t(year.years_ago === 1 ? 'oneYearAgoToday' : 'yearsAgoToday', { n: year.years_ago, year: year.year }) }),
        el('ul', { class: 'memory-row' }, shown.map((item, i) => {
          const label = `${t(item.kind === 'video' ? 'videoAlt' : 'photoAlt', { date: takenText(item) })}`;
          const button = el('button', { type: 'button', class: 'tile', 'aria-label': label, onclick: () => open(item) },
            el('img', { src: item.urls.thumbnail, alt: '', loading: 'lazy' }),
            item.kind === 'video' ? el('span', { class: 'badge', text: '▶' }) : null,
            i === shown.length - 1 && more > 0 ? el('span', { class: 'more-count', 'aria-hidden': 'true', text: `+${more}` }) : null);
          thumbhashBackground(button, item.thumbhash);
          return el('li', {}, button);
        })));
    })));
}
