// The slideshow ("TV mode"): the whole screen, one photo at a time, each fading into the next
// after 3, 5 or 10 seconds (5 at first; the choice is remembered on this device); a video plays
// through with its sound, then the show goes on. Big Previous, Pause and Next buttons and the
// choice of time come with a touch, a click, a mouse move or any key, and go away after a few
// seconds. The screen is kept awake while it runs. The next two photos are loaded ahead, so the
// screen never goes blank between them.
//
// Keys (a keyboard or a TV's remote): Left/Right = previous/next, Enter or Space = pause/go on
// (or the button that has the focus while the buttons are shown), Escape, Backspace or the
// remote's Back = leave; the media keys (Play/Pause, Next, Previous, Stop) work too. The browser's
// Back leaves the slideshow (it has its own history entry, like the photo viewer).
//
// Use:
//   import { startSlideshow } from './slideshow.js';
//   const show = startSlideshow(items, startIndex, { whole, fetchMore, onClose });
//   show.close();   // leaves it (Escape, Back and the Close button do the same)
//
//   items       the media items as the api lists them (GET /albums/{id}/media, /shared/{token}/media):
//               { id, kind: 'photo' | 'video', status, taken_at, taken_at_known,
//                 urls: { preview, thumbnail, original, playable } }; only `status: 'ready'` ones
//               are shown (an item without a status is taken as ready).
//   startIndex  where in `items` to begin (0 for the first).
//   whole       optional: async (item) => the item with its preview and video URLs, for items listed
//               as tiles (an album's page gives only the thumbnail); asked for as each is loaded
//               ahead. An item it cannot give is passed over like a photo that does not load.
//   fetchMore   optional: async () => the items after the last one given (an empty array, null or
//               undefined when there are no more). Asked for when the show comes near its end;
//               after the last item it starts again from the first.
//   onClose     optional: called once when the slideshow is left.
// Returns { close }, or null (and says so) when there is nothing to show.

import { el, toast } from './dom.js';
import { t, takenText } from './i18n.js';

export const SPEEDS = [3, 5, 10];
const SPEED_KEY = 'picup.slideshow.seconds';
const DEFAULT_SPEED = 5;
/** The buttons go away after this long without a touch, a mouse move or a key. */
const CONTROLS_MS = 4000;
/** How long one photo fades into the next (none when she asked for less motion). */
const FADE_MS = 1000;
/** A photo that has not come after this long is passed over. */
const LOAD_TIMEOUT_MS = 15000;
/** How many photos are loaded ahead. */
const AHEAD = 2;

const BACK_KEYS = new Set(['Escape', 'Backspace', 'GoBack', 'BrowserBack', 'XF86Back', 'Back']);
// LG webOS (461) and Samsung Tizen (10009) remotes' Back, which some TVs send without a key name.
const BACK_KEY_CODES = new Set([461, 10009]);
const NEXT_KEYS = new Set(['ArrowRight', 'PageDown', 'MediaTrackNext', 'MediaFastForward']);
const PREVIOUS_KEYS = new Set(['ArrowLeft', 'PageUp', 'MediaTrackPrevious', 'MediaRewind']);
const PAUSE_KEYS = new Set(['MediaPlayPause', 'MediaPlay', 'MediaPause', 'MediaStop', 'Pause', 'Play']);

/** The time per photo chosen on this device (seconds), 5 until she chooses. */
export function slideshowSeconds() {
  const stored = Number(localStorage.getItem(SPEED_KEY));
  return SPEEDS.includes(stored) ? stored : DEFAULT_SPEED;
}

const isReady = (item) => item && (item.status === undefined || item.status === 'ready');
const imageUrl = (item) => item.urls.preview || (item.kind === 'video' ? item.urls.thumbnail : item.urls.original);
const reducedMotion = () => window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;

export function startSlideshow(items, startIndex = 0, { whole = async (item) => item, fetchMore, onClose } = {}) {
  const shown = items.filter(isReady);
  if (!shown.length) {
    toast(t('slideshowNothing'));
    return null;
  }
  const known = new Set(shown.map((item) => item.id));
  let index = Math.max(0, shown.indexOf(items[startIndex]));
  let seconds = slideshowSeconds();
  let paused = false;
  let closed = false;
  let closedByBack = false;
  let timer = null;
  let hideTimer = null;
  let wakeLock = null;
  let wentFullscreen = false;
  let more = typeof fetchMore === 'function' ? null : undefined; // null: may have more; undefined: no more
  let fetching = null;
  /** Counts the slides asked for, so a slow load that is overtaken is not shown. */
  let turn = 0;

  // ---------- what is on the screen ----------

  const stage = el('div', { class: 'slides' });
  const ahead = el('div', { class: 'ahead', 'aria-hidden': 'true' });
  const caption = el('p', { class: 'slide-caption', 'aria-live': 'polite' });
  const pausedNote = el('p', { class: 'paused-note', role: 'status', hidden: true },
    el('span', { class: 'pause-bars', 'aria-hidden': 'true' }), el('span', { text: t('slideshowPaused') }));
  const bigButton = (className, label, symbol, onclick) => el('button', { type: 'button', class: className, onclick },
    el('span', { class: 'symbol', 'aria-hidden': 'true', text: symbol }), el('span', { class: 'word', text: label }));
  const previousButton = bigButton('previous', t('previous'), '‹', () => go(index - 1));
  const nextButton = bigButton('next', t('next'), '›', () => go(index + 1));
  const pauseButton = bigButton('pause', t('slideshowPause'), '❚❚', () => setPaused(!paused));
  const speedButtons = SPEEDS.map((value) => el('button', { type: 'button', class: 'speed', 'data-seconds': String(value),
    'aria-pressed': String(value === seconds), text: t('seconds', { n: value }), onclick: () => setSpeed(value) }));
  const speeds = el('div', { class: 'speeds', role: 'group', 'aria-labelledby': 'slideshow-speed-label' },
    el('span', { id: 'slideshow-speed-label', class: 'speed-label', text: t('slideshowSpeed') }), speedButtons);
  const closeButton = el('button', { type: 'button', class: 'leave', onclick: () => close() },
    el('span', { 'aria-hidden': 'true', text: '✕' }), el('span', { text: t('slideshowLeave') }));
  const controls = el('div', { class: 'slide-controls' },
    el('div', { class: 'slide-top' }, caption, closeButton),
    el('div', { class: 'slide-buttons' }, previousButton, pauseButton, nextButton),
    speeds);
  const layer = el('dialog', { class: 'slideshow', 'aria-label': t('slideshow') }, stage, ahead, pausedNote, controls);

  // ---------- the photos, and the next ones loaded ahead ----------

  /** The images loaded ahead, by item id: <img> elements in a hidden box, so they are loaded before they are shown. */
  const preloaded = new Map();
  /** The whole items (see `whole`) of the images loaded ahead, by id, once they have come. */
  const wholes = new Map();

  /** The item's image, its URL set once its whole item has come ("failed" when it cannot). */
  function imageFor(item) {
    let image = preloaded.get(item.id);
    if (!image) {
      image = el('img', { class: 'slide-image', alt: t(item.kind === 'video' ? 'videoAlt' : 'photoAlt', { date: takenText(item) }),
        decoding: 'async', 'data-id': String(item.id) });
      preloaded.set(item.id, image);
      ahead.append(image);
      const asked = image;
      Promise.resolve().then(() => whole(item)).then((full) => {
        wholes.set(item.id, full);
        asked.src = imageUrl(full);
      }, () => {
        // Passed over now, and asked for again when the show comes round to it.
        asked.dataset.failed = 'true';
        if (preloaded.get(item.id) === asked) {
          preloaded.delete(item.id);
          asked.remove();
        }
        asked.dispatchEvent(new Event('error'));
      });
    }
    return image;
  }

  /** Keeps the next two loaded (and no others). */
  function loadAhead() {
    const wanted = new Set();
    for (let step = 1; step <= AHEAD && step < shown.length; step += 1) {
      const item = shown[(index + step) % shown.length];
      wanted.add(item.id);
      imageFor(item);
    }
    wanted.add(shown[index].id);
    for (const [id, image] of preloaded) {
      if (!wanted.has(id)) {
        if (!image.closest('.slides')) image.remove();
        preloaded.delete(id);
      }
    }
    for (const id of wholes.keys()) if (!wanted.has(id)) wholes.delete(id);
  }

  /** Resolves true once the image can be drawn, false when it could not be loaded. */
  function loaded(image) {
    if (image.complete && image.naturalWidth > 0) return Promise.resolve(true);
    if (image.dataset.failed || (image.complete && image.getAttribute('src'))) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (ok) => {
        clearTimeout(give);
        image.removeEventListener('load', onLoad);
        image.removeEventListener('error', onError);
        resolve(ok);
      };
      const onLoad = () => done(true);
      const onError = () => done(false);
      const give = setTimeout(() => done(false), LOAD_TIMEOUT_MS);
      image.addEventListener('load', onLoad);
      image.addEventListener('error', onError);
    });
  }

  /** Asks for the items after the last one when the show comes near its end. */
  function askForMore() {
    if (more !== null || fetching || shown.length - index > AHEAD + 1) return fetching;
    fetching = Promise.resolve().then(fetchMore).then((next) => {
      const fresh = (next || []).filter((item) => isReady(item) && !known.has(item.id));
      for (const item of fresh) known.add(item.id);
      shown.push(...fresh);
      if (!next || !next.length) more = undefined;
    }, () => { more = undefined; }).finally(() => {
      fetching = null;
      if (!closed) loadAhead();
    });
    return fetching;
  }

  /** Shows item `to` (wrapping around), fading it in over the one before once it has loaded. */
  async function go(to) {
    if (closed) return;
    clearTimeout(timer);
    if (to >= shown.length && fetching) await fetching;
    index = ((to % shown.length) + shown.length) % shown.length;
    const mine = ++turn;
    const item = shown[index];
    caption.replaceChildren(el('span', { class: 'count', text: `${index + 1} / ${shown.length}` }), el('span', { text: takenText(item) }));
    layer.dataset.index = String(index);
    layer.dataset.mediaId = String(item.id);
    const image = imageFor(item);
    loadAhead();
    askForMore();
    const ok = await loaded(image);
    if (closed || mine !== turn) return;
    const full = wholes.get(item.id);
    if (!full || (!ok && item.kind !== 'video')) {
      // A photo that does not come is passed over (the one before stays on the screen meanwhile).
      schedule(1000);
      return;
    }
    const slide = el('div', { class: 'slide', 'data-id': String(item.id) });
    if (ok) slide.append(image);
    preloaded.delete(item.id);
    let video = null;
    if (item.kind === 'video') {
      video = el('video', { class: 'slide-video', src: full.urls.playable || full.urls.original, playsinline: true, preload: 'auto',
        poster: ok ? image.src : null, 'aria-label': t('videoAlt', { date: takenText(item) }) });
      slide.append(video);
    }
    for (const old of stage.querySelectorAll('.slide')) {
      old.classList.add('leaving');
      for (const media of old.querySelectorAll('video')) media.pause();
    }
    stage.append(slide);
    const fade = reducedMotion() ? 0 : FADE_MS;
    // The new slide fades in over the old one, which goes once it is covered.
    requestAnimationFrame(() => requestAnimationFrame(() => slide.classList.add('shown')));
    if (!fade) slide.classList.add('shown');
    setTimeout(() => { for (const old of stage.querySelectorAll('.slide.leaving')) old.remove(); }, fade + 50);
    loadAhead();
    if (video) playVideo(video, mine);
    else if (!paused) schedule(seconds * 1000);
  }

  /** A video plays through, with its sound where the browser allows it, then the show goes on. */
  function playVideo(video, mine) {
    const onward = () => { if (!closed && mine === turn && !paused) go(index + 1); };
    video.addEventListener('ended', onward);
    // A video that cannot be played is shown (its picture) as long as a photo.
    video.addEventListener('error', () => { if (mine === turn && !paused) schedule(seconds * 1000); });
    if (paused) return;
    video.play().catch(() => {
      video.muted = true;
      return video.play();
    }).catch(() => { if (mine === turn && !paused) schedule(seconds * 1000); });
  }

  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(() => go(index + 1), ms);
  }

  function currentVideo() {
    return stage.querySelector('.slide:not(.leaving) video');
  }

  function setPaused(value) {
    paused = value;
    layer.classList.toggle('paused', paused);
    pausedNote.hidden = !paused;
    pauseButton.querySelector('.symbol').textContent = paused ? '▶' : '❚❚';
    pauseButton.querySelector('.word').textContent = paused ? t('slideshowPlay') : t('slideshowPause');
    const video = currentVideo();
    clearTimeout(timer);
    if (paused) {
      video?.pause();
    } else if (video && !video.ended) {
      video.play().catch(() => schedule(seconds * 1000));
    } else {
      // Going on after a pause shows the next photo a full interval later.
      schedule(seconds * 1000);
    }
    showControls();
  }

  function setSpeed(value) {
    seconds = value;
    localStorage.setItem(SPEED_KEY, String(value));
    for (const button of speedButtons) button.setAttribute('aria-pressed', String(Number(button.dataset.seconds) === value));
    if (!paused && !currentVideo()) schedule(seconds * 1000);
    showControls();
  }

  // ---------- the buttons come with a touch or a key, and go after a few seconds ----------

  function showControls() {
    layer.classList.remove('quiet');
    clearTimeout(hideTimer);
    hideTimer = setTimeout(() => {
      // Not while the mouse is on a button or she is choosing with the remote's arrows (focus in the speeds).
      if (controls.matches(':hover')) showControls();
      else layer.classList.add('quiet');
    }, CONTROLS_MS);
  }

  layer.addEventListener('pointermove', (event) => { if (event.pointerType === 'mouse') showControls(); });
  // Whether the buttons were away when the finger (or the mouse button) came down.
  let quietAtPress = false;
  layer.addEventListener('pointerdown', () => {
    quietAtPress = layer.classList.contains('quiet');
    showControls();
  });
  stage.addEventListener('click', () => {
    // A tap on the photo brings the buttons (that was the press), or takes them away when they were there.
    if (quietAtPress) return;
    clearTimeout(hideTimer);
    layer.classList.add('quiet');
  });

  // A sideways swipe goes to the next or previous photo.
  let touch = null;
  layer.addEventListener('touchstart', (event) => {
    touch = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
  }, { passive: true });
  layer.addEventListener('touchend', (event) => {
    if (!touch) return;
    const dx = event.changedTouches[0].clientX - touch.x;
    const dy = event.changedTouches[0].clientY - touch.y;
    if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy)) go(index + (dx < 0 ? 1 : -1));
    touch = null;
  });

  // On the document, so the keys work wherever the focus is (a tap on the photo leaves it on the page).
  const onKey = (event) => {
    const wasQuiet = layer.classList.contains('quiet');
    showControls();
    const { key } = event;
    if (BACK_KEYS.has(key) || BACK_KEY_CODES.has(event.keyCode)) {
      event.preventDefault();
      close();
    } else if (NEXT_KEYS.has(key)) {
      event.preventDefault();
      go(index + 1);
    } else if (PREVIOUS_KEYS.has(key)) {
      event.preventDefault();
      go(index - 1);
    } else if (PAUSE_KEYS.has(key)) {
      event.preventDefault();
      setPaused(key === 'MediaPlay' || key === 'Play' ? false : key === 'MediaPause' || key === 'Pause' || key === 'MediaStop' ? true : !paused);
    } else if (key === 'Enter' || key === ' ') {
      // With the buttons shown, Enter presses the one that has the focus; otherwise it pauses.
      if (wasQuiet || !event.target.closest?.('button')) {
        event.preventDefault();
        setPaused(!paused);
      }
    }
  };
  document.addEventListener('keydown', onKey);
  // The dialog's own Escape (which would close it without a word).
  layer.addEventListener('cancel', (event) => {
    event.preventDefault();
    close();
  });

  // ---------- the screen kept on, the whole screen, Back ----------

  async function keepAwake() {
    if (closed || wakeLock || !navigator.wakeLock || document.hidden) return;
    wakeLock = 'asking';
    try {
      const lock = await navigator.wakeLock.request('screen');
      if (closed) lock.release().catch(() => {});
      else {
        wakeLock = lock;
        lock.addEventListener?.('release', () => { if (wakeLock === lock) wakeLock = null; });
      }
    } catch {
      wakeLock = null;
    }
  }
  // The browser lets the wake lock go when the page is hidden; it is asked for again when she comes back.
  const onVisibility = () => {
    if (document.hidden) return;
    if (wakeLock && wakeLock !== 'asking' && wakeLock.released) wakeLock = null;
    keepAwake();
  };
  document.addEventListener('visibilitychange', onVisibility);

  const onFullscreen = () => {
    if (document.fullscreenElement) wentFullscreen = true;
    // Leaving the full screen (the remote's Back, Escape on a computer) leaves the slideshow.
    else if (wentFullscreen && !closed) close();
  };
  document.addEventListener('fullscreenchange', onFullscreen);

  history.pushState({ picupSlideshow: true }, '', location.href);
  const onBack = () => {
    closedByBack = true;
    close();
  };
  window.addEventListener('popstate', onBack);

  function close() {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    clearTimeout(hideTimer);
    for (const video of layer.querySelectorAll('video')) video.pause();
    window.removeEventListener('popstate', onBack);
    document.removeEventListener('keydown', onKey);
    document.removeEventListener('visibilitychange', onVisibility);
    document.removeEventListener('fullscreenchange', onFullscreen);
    if (wakeLock && wakeLock !== 'asking') wakeLock.release().catch(() => {});
    wakeLock = null;
    if (document.fullscreenElement && wentFullscreen) document.exitFullscreen().catch(() => {});
    if (!closedByBack && history.state?.picupSlideshow) history.back();
    if (layer.open) layer.close();
    layer.remove();
    onClose?.();
  }

  document.body.append(layer);
  layer.showModal();
  pauseButton.focus({ preventScroll: true });
  // The whole screen where the browser allows it (a phone, a computer, most TVs); else the layer fills the window.
  const root = document.documentElement;
  if (root.requestFullscreen && !document.fullscreenElement) {
    root.requestFullscreen({ navigationUI: 'hide' }).then(() => { wentFullscreen = true; }, () => {});
  }
  keepAwake();
  showControls();
  go(index);
  return { close };
}
