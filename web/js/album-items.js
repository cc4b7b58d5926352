// The photos of one album as the page holds them: the pages loaded so far, in the api's order,
// and where the next page starts. A refresh fetches again as many items as are loaded (never
// fewer than a page), so new uploads, finished thumbnails and deletions show up without dropping
// the pages scrolled to. While anything is processing it refreshes by itself, after 2 s at first
// and less often the longer it waits (up to 15 s); it stops when nothing is processing or the
// album is no longer on screen. After a jump to a month (the scrubber), the pages start at that
// month's newest photo, and a refresh fetches them from there.

import { api } from './api.js';

export const PAGE_SIZE = 60;

/**
 * An item of an album's page whole: a page lists tiles (the thumbnail's URL only, `live` true or
 * false); its own GET /media/{id} adds the preview, original, playable and live video URLs that
 * the viewer and the slideshow show.
 */
export const wholeItem = (tile) => api('GET', `/media/${encodeURIComponent(tile.id)}`);
const REFRESH_CHUNK = 200; // the api's largest page
const FIRST_POLL_MS = 2000;
const LAST_POLL_MS = 15000;
const POLL_GROWTH = 1.5;
/** How far below the screen the next page starts loading. */
const AHEAD_PX = 600;

export class AlbumItems {
  /** The items shown, in the api's order. */
  items = [];
  /** Where the next page starts: null before the first page, undefined after the last. */
  cursor = null;
  /** The month ('YYYY-MM') the pages start at, or null for the newest photo. */
  month = null;

  #path;
  #offset;
  #onChange;
  #isShown;
  #onPolled;
  /** Loads and refreshes run one at a time, in the order asked. */
  #queue = Promise.resolve();
  /** The page being loaded, or null. */
  #loading = null;
  #refreshWaiting = null;
  #poll = { timer: null, delay: FIRST_POLL_MS, processing: new Set() };

  /**
   * `onChange(items)` after every load or refresh; `isShown()` says whether the album is still on
   * screen; `onPolled()` after each refresh the polling made. `path` is where its pages are read
   * (a share link's page reads `/shared/{token}/media`). `offsetMinutes` is the device's time zone
   * (minutes east of UTC), where a month starts.
   */
  constructor(albumId, { onChange, isShown, onPolled, path = `/albums/${albumId}/media`, offsetMinutes = -new Date().getTimezoneOffset() }) {
    this.#path = path;
    this.#offset = offsetMinutes;
    this.#onChange = onChange;
    this.#isShown = isShown;
    this.#onPolled = onPolled || (() => {});
  }

  /**
   * Loads the next page when `sentinel` (the element after the grid) comes within AHEAD_PX of the
   * screen, so the photos are there before she reaches the end (and a sentinel that only touches
   * the screen's edge at the very bottom still counts), and at once while the pages do not reach
   * that far (a phone shows more of a page now; the observer says only when that changes).
   * `onError(err)` when a page cannot be loaded. Returns the filling itself, for the first pages.
   */
  followScrolling(grid, sentinel, onError) {
    let filling = false;
    const fill = async () => {
      if (filling) return;
      filling = true;
      try {
        for (let round = 0; round < 50; round += 1) {
          await this.loadMore();
          if (!grid.isConnected || this.cursor === undefined || sentinel.getBoundingClientRect().top >= window.innerHeight + AHEAD_PX) break;
        }
      } finally {
        filling = false;
      }
    };
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) fill().catch(onError);
    }, { rootMargin: `0px 0px ${AHEAD_PX}px 0px` }).observe(sentinel);
    return fill;
  }

  /**
   * The next page, unless everything is loaded; while a page is being loaded, that same load
   * (so whoever waits for it sees its page).
   */
  loadMore() {
    if (this.#loading) return this.#loading;
    if (this.cursor === undefined) return Promise.resolve();
    this.#loading = this.#exclusive(async () => {
      try {
        if (this.cursor === undefined) return;
        const page = await this.#fetch(this.cursor, PAGE_SIZE);
        const known = new Set(this.items.map((item) => item.id));
        this.items = [...this.items, ...page.items.filter((item) => !known.has(item.id))];
        this.cursor = page.next_cursor || undefined;
        this.#changed();
      } finally {
        this.#loading = null;
      }
    });
    return this.#loading;
  }

  /**
   * Starts the pages again at `month` ('YYYY-MM': its newest photo, or the next older month's when
   * it has none), or at the newest photo with null: the pages loaded so far are let go.
   */
  startAt(month) {
    return this.#exclusive(async () => {
      const page = await this.#fetch(null, PAGE_SIZE, month);
      this.month = month;
      this.items = page.items;
      this.cursor = page.next_cursor || undefined;
      this.#changed();
    });
  }

  /** Fetches again what is loaded (to the end, when the end was reached) and keeps the cursor. */
  refresh() {
    if (this.#refreshWaiting) return this.#refreshWaiting;
    this.#refreshWaiting = this.#exclusive(async () => {
      // From here on a new request for a refresh must wait for this one and then run again.
      this.#refreshWaiting = null;
      const wanted = this.cursor === undefined ? Infinity : Math.max(this.items.length, PAGE_SIZE);
      const fresh = new Map();
      let cursor = null;
      do {
        const page = await this.#fetch(cursor, Math.min(REFRESH_CHUNK, wanted - fresh.size));
        for (const item of page.items) fresh.set(item.id, item);
        cursor = page.next_cursor || undefined;
      } while (cursor && fresh.size < wanted);
      this.items = [...fresh.values()];
      this.cursor = cursor;
      this.#changed();
    });
    return this.#refreshWaiting;
  }

  /** No more polling (it also stops by itself once the album is off screen). */
  stop() {
    clearTimeout(this.#poll.timer);
    this.#poll = { timer: null, delay: FIRST_POLL_MS, processing: new Set() };
  }

  /** A page after `cursor`, or the first one: from the newest photo, or from `month`'s. */
  #fetch(cursor, limit, month = this.month) {
    const after = cursor ? `&cursor=${encodeURIComponent(cursor)}`
      : month ? `&month=${encodeURIComponent(month)}&offset_minutes=${this.#offset}` : '';
    return api('GET', `${this.#path}?limit=${limit}${after}`);
  }

  #exclusive(task) {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #changed() {
    this.#onChange(this.items);
    this.#watch();
  }

  /** Polls while something is processing; something newly processing starts again at 2 s. */
  #watch() {
    const processing = new Set(this.items.filter((item) => item.status === 'processing').map((item) => item.id));
    if (!processing.size) {
      this.stop();
      return;
    }
    const newcomer = [...processing].some((id) => !this.#poll.processing.has(id));
    this.#poll.processing = processing;
    if (newcomer && this.#poll.timer) {
      clearTimeout(this.#poll.timer);
      this.#poll.timer = null;
    }
    if (newcomer) this.#poll.delay = FIRST_POLL_MS;
    if (!this.#poll.timer) this.#schedule();
  }

  #schedule() {
    this.#poll.timer = setTimeout(async () => {
      this.#poll.timer = null;
      if (!this.#isShown()) {
        this.stop();
        return;
      }
      this.#poll.delay = Math.min(this.#poll.delay * POLL_GROWTH, LAST_POLL_MS);
      try {
        await this.refresh(); // schedules the next poll if something is still processing
        this.#onPolled();
      } catch {
        if (!this.#poll.timer) this.#schedule(); // offline for a moment: try again later
      }
    }, this.#poll.delay);
  }
}
