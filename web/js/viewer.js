// The full-screen viewer: one photo or video at a time. Everything fits the screen of a phone:
// the count and date (on a dark band) and Close at the top, big arrows at the sides, one row of
// big buttons at the bottom (Like, Comments, More) and the rest in the More menu (Download, and
// Delete only for whom may delete). On a share link's page (no account) there are no likes,
// comments or Delete: only a big Download, when the link allows it. It has its own entry in the
// browser's history: Back (Android's too) closes the photo and leaves her in the album, and a
// sideways swipe never leaves the page.

import { api } from './api.js';
import { confirmAction, el, explain, icon, moreMenu, simpleMode, toast } from './dom.js';
import { t, takenText } from './i18n.js';
import { socialPanel } from './social.js';

/** How long "Undo" is offered after a delete. */
const UNDO_MS = 10_000;

/** What stands in for likes and comments where there is no account. */
const noSocial = { likeButton: null, commentsButton: null, panel: null, open() {}, close() {}, isOpen: () => false, show() {} };

/** How often a turned photo is asked for again while its new preview is made. */
const TURN_POLL_MS = 1500;

/** The original of a photo she may see, as a file (303 to a signed URL with Content-Disposition). */
const memberDownload = (item) => `/api/v1/media/${encodeURIComponent(item.id)}/download`;

/**
 * Opens the viewer on `items[start]`. `onChange()` after something was deleted or brought back;
 * `canDelete(item)` says whether she may delete it; `canRotate(item)` whether she may turn it
 * (More: Turn left, Turn right); `comments` opens the comments at once. In simple mode neither is
 * offered.
 * `social: false` leaves out what needs an account (likes, comments, Delete); `downloadUrl(item)`
 * is where its original downloads from, null for no Download. `whole(item)` resolves to the item
 * with its preview, original and video URLs, for items listed as tiles (an album's page lists
 * only thumbnails); until it comes, the thumbnail is shown enlarged.
 */
export function openViewer(items, start, { onChange = () => {}, canDelete = () => false, canRotate = () => false, comments = false,
  social: withSocial = true, downloadUrl = memberDownload, whole = async (item) => item } = {}) {
  const viewable = items.filter((item) => item.status === 'ready');
  let index = Math.max(0, viewable.indexOf(items[start]));
  let closedByBack = false;
  /** Counts what was shown, so a whole item that comes after she moved on is not shown. */
  let shownTurn = 0;
  /** The whole items asked for, by id: each asked once while the viewer is open (again after a failure). */
  const wholes = new Map();
  const stage = el('div', { class: 'stage' });
  const caption = el('p', { class: 'caption', 'aria-live': 'polite' });
  // The original, as a file with its own name (the api answers with Content-Disposition: attachment).
  const download = el('a', { class: 'button quiet' },
    icon('M12 3v12', 'M7 10l5 5 5-5', 'M5 21h14'), el('span', { text: withSocial ? t('download') : t('downloadPhoto') }));
  const remove = el('button', { type: 'button', class: 'danger' },
    icon('M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6'), el('span', { text: t('delete') }));
  const turnLeft = el('button', { type: 'button', class: 'quiet', onclick: () => turn('counterclockwise') },
    icon('M3 12a9 9 0 1 0 3-6.7', 'M3 3v6h6'), el('span', { text: t('turnLeft') }));
  const turnRight = el('button', { type: 'button', class: 'quiet', onclick: () => turn('clockwise') },
    icon('M21 12a9 9 0 1 1-3-6.7', 'M21 3v6h-6'), el('span', { text: t('turnRight') }));
  const menu = withSocial ? moreMenu([downloadUrl ? download : null, turnLeft, turnRight, remove], { className: 'viewer-more' }) : null;
  const social = withSocial ? socialPanel({ onToggle: (open) => dialog.classList.toggle('comments-open', open) }) : noSocial;
  // Without an account: Download in the row itself (nothing else is there), or no row at all.
  const controls = withSocial ? [social.likeButton, social.commentsButton, menu] : [downloadUrl ? download : null];
  const previous = el('button', { type: 'button', class: 'arrow previous', 'aria-label': t('previous'), onclick: () => show(index - 1) },
    el('span', { 'aria-hidden': 'true', text: '‹' }));
  const next = el('button', { type: 'button', class: 'arrow next', 'aria-label': t('next'), onclick: () => show(index + 1) },
    el('span', { 'aria-hidden': 'true', text: '›' }));
  const dialog = el('dialog', { class: `viewer${controls.some(Boolean) ? '' : ' bare'}`, 'aria-label': t('viewerLabel') },
    stage, previous, next,
    el('div', { class: 'top' }, caption,
      el('button', { type: 'button', class: 'close', autofocus: true, onclick: () => dialog.close() }, el('span', { 'aria-hidden': 'true', text: '✕' }), el('span', { text: t('close') }))),
    controls.some(Boolean) ? el('div', { class: 'controls' }, controls) : null,
    social.panel);

  remove.addEventListener('click', async () => {
    const item = viewable[index];
    if (!(await confirmAction(t('confirmDelete'), t('delete'), { danger: true }))) return;
    try {
      await api('DELETE', `/media/${item.id}`);
    } catch (err) {
      toast(explain(err));
      return;
    }
    dialog.close();
    onChange();
    // Said in the album she is back in, with the way back for a while.
    toast(t('movedToTrash'), { duration: UNDO_MS, action: { label: t('undo'), run: async () => {
      try {
        await api('POST', `/media/${item.id}/restore`);
        toast(t('restored'));
        onChange();
      } catch (err) { toast(explain(err)); }
    } } });
  });

  /**
   * Turns the photo shown a quarter turn: it shows "Getting ready…" until its new preview is made
   * (asked for again every 1.5 s), then turned; the album's grid is told, so its thumbnail turns too.
   */
  async function turn(direction) {
    const item = viewable[index];
    let turned;
    try {
      turned = await api('POST', `/media/${item.id}/rotate`, { direction });
    } catch (err) {
      toast(explain(err));
      return;
    }
    const replace = (fresh) => {
      const at = viewable.findIndex((other) => other.id === fresh.id);
      if (at < 0) return;
      viewable[at] = fresh;
      wholes.set(fresh.id, Promise.resolve(fresh));
      if (at === index && dialog.open) show(index);
    };
    replace(turned);
    onChange();
    while (dialog.open && turned.status === 'processing') {
      await new Promise((resolve) => setTimeout(resolve, TURN_POLL_MS));
      try {
        turned = await api('GET', `/media/${item.id}`);
      } catch {
        continue;
      }
      if (turned.status !== 'processing') {
        replace(turned);
        onChange();
      }
    }
  }

  /** A photo being turned: "Getting ready…" with a spinner, until its new preview is made. */
  function gettingReady() {
    return [el('div', { class: 'getting-ready', role: 'status' }, el('div', { class: 'spinner', 'aria-hidden': 'true' }),
      el('p', { text: t('processing') }))];
  }

  /** The item whole (see `whole`), asked for once. */
  function wholeOf(item) {
    let asked = wholes.get(item.id);
    if (!asked) {
      asked = whole(item);
      wholes.set(item.id, asked);
      asked.catch(() => wholes.delete(item.id));
    }
    return asked;
  }

  /** Puts the photo or video on the stage once its item is whole, and asks ahead for its neighbours'. */
  function showWhole(item) {
    const mine = ++shownTurn;
    stage.classList.remove('loading');
    if (item.status === 'processing') {
      stage.replaceChildren(...gettingReady());
      return;
    }
    stage.replaceChildren(...waiting(item));
    wholeOf(item).then((full) => {
      if (mine !== shownTurn || !dialog.open) return;
      const at = viewable.indexOf(item);
      if (at >= 0) viewable[at] = full;
      if (full.kind === 'video') stage.classList.remove('loading');
      stage.replaceChildren(...(full.kind === 'video' ? videoPlayer(full) : photo(full)));
      if (full.live?.video_url) stage.append(livePlayer(stage.querySelector('img.full'), full));
    }, () => {
      if (mine === shownTurn && dialog.open) stage.replaceChildren(...problem(item));
    });
    // The next and the one before come at once when she swipes.
    for (const step of [1, -1]) {
      const neighbour = viewable[(index + step + viewable.length) % viewable.length];
      if (neighbour.status === 'ready') wholeOf(neighbour).catch(() => {});
    }
  }

  function show(to) {
    if (!viewable.length) return;
    index = (to + viewable.length) % viewable.length;
    const item = viewable[index];
    dialog.dataset.mediaId = item.id;
    showWhole(item);
    // No file names: the place in the album and the date (or that the date is not known).
    caption.replaceChildren(el('span', { class: 'count', text: `${index + 1} / ${viewable.length}` }), el('span', { text: takenText(item) }));
    previous.hidden = viewable.length < 2;
    next.hidden = viewable.length < 2;
    if (downloadUrl) download.href = downloadUrl(item);
    remove.hidden = !withSocial || simpleMode() || !canDelete(item);
    // Photos are turned here (a video's turn is the api's, for players that use it).
    turnLeft.hidden = !withSocial || simpleMode() || item.kind !== 'photo' || item.status !== 'ready' || !canRotate(item);
    turnRight.hidden = turnLeft.hidden;
    menu?.close();
    social.show(item);
  }

  /** Its thumbnail, enlarged to the stage; none when it has no thumbnail. */
  const enlargedThumbnail = (item) => (item.urls.thumbnail ? [el('img', { class: 'placeholder', src: item.urls.thumbnail, alt: '' })] : []);

  /** While the item is asked for: its thumbnail enlarged and a spinner (not a black screen). */
  function waiting(item) {
    stage.classList.add('loading');
    const spinner = el('div', { class: 'spinner', role: 'status' }, el('span', { class: 'visually-hidden', text: t('loading') }));
    return [...enlargedThumbnail(item), spinner];
  }

  /** It could not be asked for (no network): said plainly, with a way to try again; the thumbnail stays. */
  function problem(item) {
    stage.classList.remove('loading');
    const again = el('button', { type: 'button', class: 'big', text: t('retry'), onclick: () => showWhole(item) });
    return [...enlargedThumbnail(item), el('div', { class: 'viewer-problem', role: 'alert' }, el('p', { text: t('viewerProblem') }), again)];
  }

  /**
   * The preview; until it has come, the enlarged thumbnail and the spinner already on the stage
   * (`waiting`) stay (not a black screen).
   */
  function photo(item) {
    const full = el('img', { class: 'full', src: item.urls.preview || item.urls.original, alt: t('photoAlt', { date: takenText(item) }) });
    const placeholder = stage.querySelector('img.placeholder');
    const spinner = stage.querySelector('.spinner');
    if (!placeholder || full.complete) {
      stage.classList.remove('loading');
      return [full];
    }
    stage.classList.add('loading');
    const loaded = () => {
      placeholder.remove();
      spinner?.remove();
      stage.classList.remove('loading');
    };
    full.addEventListener('load', loaded, { once: true });
    full.addEventListener('error', loaded, { once: true });
    return [placeholder, full, spinner].filter(Boolean);
  }

  /** A video: a big Play in the middle; a tap on the video plays it too. */
  function videoPlayer(item) {
    const video = el('video', { src: item.urls.playable || item.urls.original, playsinline: true, preload: 'metadata',
      poster: item.urls.preview, 'aria-label': t('videoAlt', { date: takenText(item) }) });
    const play = el('button', { type: 'button', class: 'play-big', 'aria-label': t('playVideo') },
      el('span', { class: 'triangle', 'aria-hidden': 'true' }), el('span', { text: t('play') }));
    const start = () => {
      video.controls = true;
      video.play().catch(() => { play.hidden = false; });
    };
    play.addEventListener('click', start);
    video.addEventListener('click', () => { if (video.paused && !video.controls) start(); });
    video.addEventListener('play', () => { play.hidden = true; });
    video.addEventListener('ended', () => { play.hidden = false; });
    return [video, play];
  }

  /**
   * A Live Photo or motion photo: one big button plays its moment over the still, once, with
   * sound off (as phones do), and the still comes back when it ends.
   */
  function livePlayer(still, item) {
    const button = el('button', { class: 'live-play', text: `▶ ${t('live')}`, 'aria-label': t('playLive') });
    button.addEventListener('click', () => {
      const video = el('video', { src: item.live.video_url, autoplay: true, muted: true, playsinline: true, 'aria-label': t('playLive') });
      video.muted = true;
      const back = () => { if (video.isConnected) video.replaceWith(still); button.hidden = false; };
      video.addEventListener('ended', back);
      video.addEventListener('error', back);
      button.hidden = true;
      still.replaceWith(video);
    });
    return button;
  }

  // A sideways swipe pages; it is kept from the browser (which would go back in its history).
  let touch = null;
  stage.addEventListener('touchstart', (event) => {
    touch = event.touches.length === 1 ? { x: event.touches[0].clientX, y: event.touches[0].clientY } : null;
  }, { passive: true });
  stage.addEventListener('touchmove', (event) => {
    if (!touch || event.touches.length !== 1) return;
    const dx = event.touches[0].clientX - touch.x;
    const dy = event.touches[0].clientY - touch.y;
    if (Math.abs(dx) > Math.abs(dy) && event.cancelable) event.preventDefault();
  }, { passive: false });
  stage.addEventListener('touchend', (event) => {
    if (!touch) return;
    const dx = event.changedTouches[0].clientX - touch.x;
    const dy = event.changedTouches[0].clientY - touch.y;
    if (Math.abs(dx) > 50 && Math.abs(dx) > Math.abs(dy)) show(index + (dx < 0 ? 1 : -1));
    touch = null;
  });
  dialog.addEventListener('keydown', (event) => {
    // Escape closes the comments first, then the photo.
    if (event.key === 'Escape' && social.isOpen()) {
      event.preventDefault();
      social.close();
      return;
    }
    if (event.target.closest('textarea, input')) return;
    if (event.key === 'ArrowRight') show(index + 1);
    if (event.key === 'ArrowLeft') show(index - 1);
  });

  // Its own history entry: Back closes the photo; closing it otherwise takes the entry away.
  history.pushState({ picupViewer: true }, '', location.href);
  const onBack = () => {
    closedByBack = true;
    dialog.close();
  };
  window.addEventListener('popstate', onBack);
  dialog.addEventListener('close', () => {
    window.removeEventListener('popstate', onBack);
    for (const video of dialog.querySelectorAll('video')) video.pause();
    if (!closedByBack && history.state?.picupViewer) history.back();
    dialog.remove();
  });
  document.body.append(dialog);
  dialog.showModal();
  show(index);
  if (comments) social.open();
}
