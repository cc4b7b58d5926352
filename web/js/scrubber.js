// The month scrubber of an album's page (#19): a thin track on the right of the grid, its years
// spaced by how many photos each holds (GET /albums/{id}/months), and a big handle that shows
// where the screen is in the album. Dragging the handle shows the month under the finger in a
// bubble ("July 2015"); letting go goes there. A tap on a year goes to its newest month. The
// handle is a slider for the keyboard: PageUp/PageDown (and the arrows) move a month, Home and
// End to the newest and the oldest; Enter goes there at once, else it goes after a short pause.
// It is shown only for an album long enough to need it (WORTH_SCREENS).

import { el } from './dom.js';
import { currentLanguage, t } from './i18n.js';

/** The scrubber is shown when the photos make more than this many screens (and two months or more). */
const WORTH_SCREENS = 2;
/** Room kept above and below the track (px). */
const MARGIN = 8;
/** Years closer than this on the track (px) are not all labelled: a finger needs this much. */
const YEAR_GAP = 44;
/** The shortest track worth drawing (px). */
const MIN_TRACK = 140;
/** After PageUp/PageDown/Home/End, how long the handle waits for another key before it goes (ms). */
const KEY_WAIT_MS = 1200;
/** A drag shorter than this (px) is a tap on the handle: it goes nowhere. */
const TAP_PX = 4;

/** The device's time zone in minutes east of UTC, as the api's `offset_minutes` wants it. */
export function zoneOffset(now = new Date()) {
  return -now.getTimezoneOffset();
}

/** The month ('YYYY-MM') of a moment (ISO text), `offset` minutes east of UTC. */
export function monthOf(iso, offset) {
  const at = new Date(Date.parse(iso) + offset * 60_000);
  return `${String(at.getUTCFullYear()).padStart(4, '0')}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** A month in the page's language: "July 2015", "2015년 7월". */
export function monthName(month) {
  const [year, number] = month.split('-').map(Number);
  const first = new Date(0);
  first.setUTCFullYear(year, number - 1, 1);
  return new Intl.DateTimeFormat(currentLanguage() === 'ko' ? 'ko-KR' : 'en', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(first);
}

const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

/**
 * The scrubber for `grid` (its tiles in the order of `items()`), its times `offset` minutes east
 * of UTC. `onJump(month)` goes to a month ('YYYY-MM'), or to the newest photos with null, and
 * resolves when they are shown. `floating()` lists what floats over the bottom of the screen (the
 * tab bar, the Add button): the track ends above it. Returns { element, setMonths(months),
 * follow() } — follow() after the grid changed.
 */
export function monthScrubber({ grid, items, offset, onJump, floating = () => [] }) {
  let months = [];
  /** How many photos come before each month (newest first), and in all. */
  let before = [];
  let total = 0;
  /** Where the handle is, 0 (the newest) to 1 (the oldest). */
  let fraction = 0;
  /** The pointer dragging the handle: { id, grab, startY, moved }, or null. */
  let drag = null;
  /** The month the keys have chosen and not gone to yet (an index), or null. */
  let chosen = null;
  let keyTimer = null;
  let going = false;
  let frame = 0;
  let laidOutFor = '';

  const years = el('div', { class: 'scrub-years', 'aria-hidden': 'true' });
  const bubble = el('div', { class: 'scrub-bubble', 'aria-hidden': 'true', hidden: true });
  /** A small chevron above or below the year on the handle: it moves up and down. */
  const chevron = (d) => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    for (const [name, value] of Object.entries({ 'aria-hidden': 'true', class: 'scrub-arrow', width: '16', height: '8', viewBox: '0 0 16 8', fill: 'none',
      stroke: 'currentColor', 'stroke-width': '2.6', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })) svg.setAttribute(name, value);
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', d);
    svg.append(path);
    return svg;
  };
  // The handle says the year it is on (the year's label under it is covered).
  const handleYear = el('span', { class: 'scrub-handle-year', 'aria-hidden': 'true' });
  const handle = el('div', { class: 'scrub-handle', role: 'slider', tabindex: '0', 'aria-orientation': 'vertical',
    'aria-label': t('scrubberLabel'), 'aria-valuemin': '0', 'aria-valuemax': '0', 'aria-valuenow': '0' },
  chevron('M2 6.5l6-5 6 5'), handleYear, chevron('M2 1.5l6 5 6-5'));
  const element = el('div', { class: 'scrubber', hidden: true }, el('div', { class: 'scrub-line', 'aria-hidden': 'true' }), years, handle, bubble);

  // ---------- geometry ----------

  /** The track's box on the screen: from the grid's top (or the screen's) to above what floats at the bottom. */
  const trackBox = () => {
    let bottom = window.innerHeight - MARGIN;
    for (const node of floating()) {
      if (!node || !node.isConnected || !node.getClientRects().length || getComputedStyle(node).position !== 'fixed') continue;
      bottom = Math.min(bottom, node.getBoundingClientRect().top - MARGIN);
    }
    const top = Math.min(Math.max(grid.getBoundingClientRect().top, MARGIN), bottom - MIN_TRACK);
    return { top, height: bottom - top };
  };
  /** The handle's height, and the part of the track its middle travels along. */
  const travel = () => {
    const size = handle.offsetHeight || 48;
    return { size, length: Math.max(element.clientHeight - size, 1) };
  };
  /** Where (px from the track's top) the handle's middle is for a fraction. */
  const yOf = (at) => {
    const { size, length } = travel();
    return size / 2 + at * length;
  };
  /** The month (an index) at a fraction of the album. */
  const monthAt = (at) => {
    const photo = at * total;
    let index = 0;
    while (index + 1 < months.length && before[index + 1] <= photo) index += 1;
    return index;
  };

  // ---------- what is shown ----------

  const showHandle = (at) => {
    fraction = clamp(at, 0, 1);
    const { size } = travel();
    const y = yOf(fraction);
    handle.style.transform = `translateY(${y - size / 2}px)`;
    // A year half hidden behind the handle is not shown at all (the handle says its own year).
    for (const label of years.children) label.classList.toggle('covered', Math.abs(Number.parseFloat(label.style.top) - y) < size / 2 + 10);
  };
  const say = (index) => {
    handleYear.textContent = months[index].month.slice(0, 4);
    handle.setAttribute('aria-valuenow', String(months.length - 1 - index));
    handle.setAttribute('aria-valuetext', monthName(months[index].month));
  };
  const showBubble = (index) => {
    bubble.textContent = monthName(months[index].month);
    bubble.style.top = `${yOf(fraction)}px`;
    bubble.hidden = false;
  };

  /** The years on the track, each where its newest month starts; those too close to the one above are left out. */
  const layOutYears = () => {
    const key = `${element.clientHeight}:${months.map((m) => `${m.month}=${m.count}`).join()}`;
    if (key === laidOutFor) return;
    laidOutFor = key;
    const labels = [];
    let last = -Infinity;
    const height = element.clientHeight;
    months.forEach((entry, index) => {
      const year = entry.month.slice(0, 4);
      if (index > 0 && months[index - 1].month.startsWith(year)) return;
      const y = clamp(yOf(before[index] / total), YEAR_GAP / 2, height - YEAR_GAP / 2);
      if (y - last < YEAR_GAP) return;
      last = y;
      labels.push(el('span', { class: 'scrub-year', 'data-month': entry.month, style: `top: ${y}px` }, el('span', { text: year })));
    });
    years.replaceChildren(...labels);
    showHandle(fraction);
  };

  /** Where the screen is in the album: the first tile showing, and the photos of its month above it. */
  const whereShown = () => {
    const shown = items();
    const tiles = grid.children;
    if (!tiles.length || !shown.length) return 0;
    let [low, high] = [0, tiles.length - 1];
    while (low < high) {
      const middle = (low + high) >> 1;
      if (tiles[middle].getBoundingClientRect().bottom > MARGIN) high = middle;
      else low = middle + 1;
    }
    const item = shown[Math.min(low, shown.length - 1)];
    if (!item?.taken_at) return fraction;
    const month = monthOf(item.taken_at, offset);
    let index = months.findIndex((entry) => entry.month <= month);
    if (index < 0) index = months.length - 1;
    let above = 0;
    for (let i = low - 1; i >= 0 && shown[i]?.taken_at && monthOf(shown[i].taken_at, offset) === month; i -= 1) above += 1;
    return (before[index] + Math.min(above, months[index].count - 1)) / total;
  };

  /** Puts the track beside the grid and the handle where the screen is (not while she moves it). */
  const place = () => {
    frame = 0;
    if (!grid.isConnected) {
      stop();
      return;
    }
    if (element.hidden) return;
    const box = trackBox();
    element.style.top = `${box.top}px`;
    element.style.height = `${box.height}px`;
    const main = grid.parentElement.getBoundingClientRect();
    element.style.left = `${main.right - element.offsetWidth}px`;
    layOutYears();
    if (drag || chosen !== null || going) return;
    showHandle(whereShown());
    say(monthAt(fraction));
  };
  const follow = () => {
    if (!frame) frame = requestAnimationFrame(place);
  };

  /** Worth it: two months or more, and more photos than WORTH_SCREENS screens of the grid hold. */
  const worthIt = () => {
    if (months.length < 2) return false;
    const style = getComputedStyle(grid);
    const columns = Math.max(style.gridTemplateColumns.split(' ').filter(Boolean).length, 1);
    const gap = Number.parseFloat(style.rowGap) || 0;
    const tile = (grid.clientWidth - gap * (columns - 1)) / columns;
    const perScreen = columns * Math.max(1, Math.floor(window.innerHeight / Math.max(tile + gap, 1)));
    return total > WORTH_SCREENS * perScreen;
  };
  const showIfWorth = () => {
    const shown = worthIt();
    element.hidden = !shown;
    grid.parentElement?.classList.toggle('scrubbing', shown);
    if (shown) follow();
  };

  // ---------- going to a month ----------

  const go = async (index) => {
    clearTimeout(keyTimer);
    keyTimer = null;
    chosen = null;
    bubble.hidden = true;
    if (index === null || !months[index]) {
      follow();
      return;
    }
    going = true;
    showHandle(before[index] / total);
    try {
      await onJump(index === 0 ? null : months[index].month);
    } finally {
      going = false;
      follow();
    }
  };

  // ---------- the finger or the mouse ----------

  const moveTo = (clientY) => {
    const { size, length } = travel();
    const top = element.getBoundingClientRect().top;
    showHandle((clientY - drag.grab - top - size / 2) / length);
    const index = monthAt(fraction);
    say(index);
    showBubble(index);
    return index;
  };
  handle.addEventListener('pointerdown', (event) => {
    if (event.button !== 0 || going) return;
    event.preventDefault();
    handle.setPointerCapture(event.pointerId);
    const box = handle.getBoundingClientRect();
    drag = { id: event.pointerId, grab: event.clientY - (box.top + box.height / 2), startY: event.clientY, moved: false };
    element.classList.add('dragging');
    showBubble(moveTo(event.clientY));
  });
  handle.addEventListener('pointermove', (event) => {
    if (!drag || event.pointerId !== drag.id) return;
    if (Math.abs(event.clientY - drag.startY) >= TAP_PX) drag.moved = true;
    moveTo(event.clientY);
  });
  const release = (event, cancelled) => {
    if (!drag || event.pointerId !== drag.id) return;
    const { moved } = drag;
    drag = null;
    element.classList.remove('dragging');
    if (cancelled || !moved) {
      bubble.hidden = true;
      follow();
      return;
    }
    go(monthAt(fraction));
  };
  handle.addEventListener('pointerup', (event) => release(event, false));
  handle.addEventListener('pointercancel', (event) => release(event, true));
  handle.addEventListener('lostpointercapture', (event) => release(event, true));

  // A tap on a year: its newest month.
  years.addEventListener('click', (event) => {
    const year = event.target.closest('.scrub-year');
    if (!year || going) return;
    go(months.findIndex((entry) => entry.month === year.dataset.month));
  });

  // ---------- the keyboard ----------

  handle.addEventListener('keydown', (event) => {
    if (!months.length || going) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (chosen !== null) go(chosen);
      return;
    }
    const steps = { PageUp: -1, ArrowUp: -1, ArrowLeft: -1, PageDown: 1, ArrowDown: 1, ArrowRight: 1 };
    let index;
    if (event.key === 'Home') index = 0;
    else if (event.key === 'End') index = months.length - 1;
    else if (event.key in steps) index = clamp((chosen ?? monthAt(fraction)) + steps[event.key], 0, months.length - 1);
    else return;
    event.preventDefault();
    chosen = index;
    showHandle(before[index] / total);
    say(index);
    showBubble(index);
    clearTimeout(keyTimer);
    keyTimer = setTimeout(() => go(chosen), KEY_WAIT_MS);
  });
  handle.addEventListener('blur', () => {
    if (chosen === null) bubble.hidden = true;
  });

  // ---------- following the page ----------

  const resized = () => {
    laidOutFor = '';
    showIfWorth();
  };
  function stop() {
    window.removeEventListener('scroll', follow);
    window.removeEventListener('resize', resized);
    clearTimeout(keyTimer);
  }
  window.addEventListener('scroll', follow, { passive: true });
  window.addEventListener('resize', resized);

  return {
    element,
    follow,
    /** The album's months, newest first ({ month: 'YYYY-MM', count }), from the api. */
    setMonths(next) {
      months = next.filter((entry) => entry.count > 0);
      before = [];
      total = 0;
      for (const entry of months) {
        before.push(total);
        total += entry.count;
      }
      handle.setAttribute('aria-valuemax', String(Math.max(months.length - 1, 0)));
      laidOutFor = '';
      showIfWorth();
    },
  };
}
