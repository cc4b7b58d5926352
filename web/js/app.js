// The family web album: sign in (password, passkey or another account such as Google) or join,
// albums, an album's photos with a viewer, uploads, sharing, the trash, devices, passkeys and
// linked accounts, the admin's sign-in links, and settings. Plain DOM, hash routes (#/albums,
// #/album/ID, #/album/ID/photo/MEDIA?comments, #/news, #/search, #/settings, #/trash, #/devices,
// #/family, #/link/TOKEN, #/welcome, #/oidc-error/CODE).

import { api, endEarly } from './api.js';
import { ask, confirmAction, el, explain, fieldProblems, icon, moreMenu, page, patchGrid, simpleMode, thumbhashBackground, toast } from './dom.js';
import { bytes, currentLanguage, date, placeText, setLanguage, t, takenText } from './i18n.js';
import { contentTypeOf, sha256Of, uploadFile } from './upload.js';
import { openLinkDialog, openViewer, showFamily, startSlideshow } from './later.js';
import { showAddShared, startApp, takeSharedFiles } from './pwa.js';
import { showNews, showSearch, startBell } from './activity.js';
import { AlbumItems, wholeItem } from './album-items.js';
import { addPasskey, browserHasPasskeys, passkeyProblem, signInWithPasskey } from './passkeys.js';
import { sharedToken, showShared } from './shared.js';
import { memoriesStrip } from './memories.js';
import { monthName, monthScrubber, zoneOffset } from './scrubber.js';

/** Everything the page keeps between views. (Each view keeps its own things in its closure.) */
const state = {
  /** The signed-in person (GET /me: name, quota, storage used), or null when signed out. */
  me: null,
  /** Stops the bell's event stream; null while it is not running. */
  stopBell: null,
  /** Uploads still running, so leaving the page can warn. */
  activeUploads: 0,
  /** The screen wake lock held while uploads run ('asking' while the browser decides), or null. */
  wakeLock: null,
  /** When the page went to the background (ms), or null while it is shown. */
  hiddenSince: null,
  /** What the server offers besides passwords (GET /auth/methods, asked once), a promise. */
  methods: null,
};

// ---------- session ----------

/** What only a signed-in person sees around the page: menus, search, the bell, storage. */
const SIGNED_IN_ONLY = ['nav', 'storage', 'signout', 'search', 'bell', 'settings-link', 'tabs'];

async function refreshMe() {
  const me = await api('GET', '/me');
  state.me = me;
  const bar = document.getElementById('storage-bar');
  bar.max = Math.max(me.quota_bytes, 1);
  bar.value = me.used_bytes + me.reserved_bytes;
  document.getElementById('storage-text').textContent = storageText(me);
  for (const id of SIGNED_IN_ONLY) document.getElementById(id).hidden = false;
  document.body.classList.add('signed-in');
  setSimple(Boolean(me.simple_mode));
  document.getElementById('nav-family').hidden = !me.is_admin;
  if (!state.stopBell) state.stopBell = startBell(document.getElementById('bell'));
  return me;
}

/**
 * Simple mode (#20): bigger text and buttons (the page's size is set on <html>), nothing to delete
 * or rename offered, a Slideshow on every album of the albums page.
 */
function setSimple(on) {
  document.body.classList.toggle('simple', on);
  document.documentElement.classList.toggle('simple', on);
}

function storageText(me) {
  return t('storage', { used: bytes(me.used_bytes), total: bytes(me.quota_bytes) });
}

function signedOut() {
  state.me = null;
  for (const id of SIGNED_IN_ONLY) document.getElementById(id).hidden = true;
  document.body.classList.remove('signed-in');
  setSimple(false);
  if (state.stopBell) { state.stopBell(); state.stopBell = null; }
}

/** Signed in from the invite page: the invite is taken off the address (and the history). */
function forgetInvite(hash = '#/albums') {
  history.replaceState(null, '', `${location.pathname}${hash}`);
}

/** What the server offers besides a password; asked once (again after a failure). */
function signInMethods() {
  if (!state.methods) {
    state.methods = api('GET', '/auth/methods').then((methods) => ({ ...methods, providers: methods.providers || [] }), () => {
      state.methods = null;
      return { passkeys: false, providers: [] };
    });
  }
  return state.methods;
}

/** Whether passkeys can be used here: the server makes them (it is opened by a name) and the browser can. */
async function passkeysHere() {
  return browserHasPasskeys() && (await signInMethods()).passkeys;
}

/**
 * The big "Sign in with Google" (or "Join with Google") buttons, one per provider the server
 * offers: plain links, since the whole page goes to the provider and comes back.
 */
function providerLinks(providers, textKey, invite) {
  return providers.map((provider) => el('a', {
    class: 'button big wide quiet provider',
    href: `/api/v1/auth/oidc/${encodeURIComponent(provider.name)}/start${invite ? `?invite=${encodeURIComponent(invite)}` : ''}`,
    text: t(textKey, { provider: provider.label }),
  }));
}

async function showSignIn(message, { email = '' } = {}) {
  signedOut();
  const passkeys = await passkeysHere();
  const { providers } = await signInMethods();
  const signedIn = async () => {
    // She goes on to the album she was opening (its link); otherwise to her albums.
    const invited = new URLSearchParams(location.search).has('invite');
    if (invited || !location.hash.startsWith('#/album/')) forgetInvite();
    await refreshMe();
    route();
  };
  // A passkey's trouble is said under its button, where she is looking.
  const passkeyError = el('p', { class: 'error', role: 'alert' });
  const passkeyButton = el('button', { type: 'button', class: 'big passkey', text: t('signInWithPasskey'), onclick: async () => {
    passkeyError.textContent = '';
    error.textContent = '';
    passkeyButton.disabled = true;
    try {
      await signInWithPasskey();
      await signedIn();
    } catch (err) {
      passkeyError.textContent = passkeyProblem(err, 'signIn') || explain(err);
    } finally {
      passkeyButton.disabled = false;
    }
  } });
  const error = el('p', { class: 'error', role: 'alert', text: message || '' });
  const form = el('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    passkeyError.textContent = '';
    try {
      await api('POST', '/auth/login', values);
      await signedIn();
    } catch (err) {
      error.textContent = explain(err);
    }
  } },
  passkeys || providers.length ? el('div', { class: 'quick-sign-in' },
    passkeys ? [passkeyButton, el('p', { class: 'hint', text: t('passkeySignInHint') }), passkeyError] : null,
    providerLinks(providers, 'signInWith')) : null,
  passkeys || providers.length ? el('p', { class: 'or', text: t('orWithPassword') }) : null,
  el('label', {}, t('email'), el('input', { name: 'email', type: 'email', autocomplete: 'username', required: true, value: email || null })),
  el('label', {}, t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
  error,
  el('button', { type: 'submit', class: 'big', text: t('signIn') }),
  el('button', { type: 'button', class: 'quiet', text: t('newHere'), onclick: () => showRegister(null) }));
  page(t('welcome'), form);
  if (email) form.querySelector('input[name=password]').focus();
}

/**
 * What an invite link says before anyone signs in (GET /invites/{token}): who invited into which
 * album, and whether it still works; null when it cannot be had. Asked with fetch itself, so the
 * token is not kept with the answers kept for offline.
 */
async function invitePreview(invite) {
  try {
    const response = await fetch(`/api/v1/invites/${encodeURIComponent(invite)}`, { headers: { 'X-Requested-With': 'picup' }, credentials: 'same-origin' });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

/**
 * Someone signed in opens an invite into an album (#20): who invited her into which album, and one
 * big button that joins it. An invite already used (most likely by her) or into the family only
 * leads to the albums; one that has run out says so there.
 */
async function showAcceptInvite(invite) {
  const preview = await invitePreview(invite);
  if (!preview?.album || !preview.usable) {
    forgetInvite();
    if (preview?.status === 'expired') toast(t('inviteEnded'));
    return route();
  }
  const title = preview.album.title;
  const error = el('p', { class: 'error', role: 'alert' });
  const join = el('button', { type: 'button', class: 'big wide', text: t('joinAlbum', { album: title }), onclick: async () => {
    error.textContent = '';
    join.disabled = true;
    try {
      const { album } = await api('POST', `/invites/${encodeURIComponent(invite)}/accept`);
      forgetInvite(`#/album/${album.id}`);
      route();
      toast(t('joinedAlbum', { album: album.title }));
    } catch (err) {
      error.textContent = err.status === 410 ? t('inviteEnded') : explain(err);
      join.disabled = false;
    }
  } });
  page(title,
    el('p', { class: 'lead invited-by', text: t('invitedBy', { name: preview.invited_by, album: title }) }),
    error,
    el('div', { class: 'choices' }, join,
      el('a', { class: 'button big wide quiet', href: '#/albums', text: t('notNow'), onclick: () => forgetInvite('') })));
}

/**
 * The join page (with an invite) or the first account. The password's rule is written under its
 * field, with a box that shows what was typed; what the server refuses is said in her language,
 * with the way on: an email that has an account already, or an invite already used, leads to
 * signing in (which takes the invite off the address).
 */
async function showRegister(invite) {
  signedOut();
  // Joining with an invite can also be done with an account the person already has (Google…).
  const [providers, preview] = invite ? await Promise.all([signInMethods().then((methods) => methods.providers), invitePreview(invite)]) : [[], null];
  // Who invited her into which album, or that the link no longer works (#20).
  const invited = preview?.album && preview.usable
    ? el('p', { class: 'lead invited-by', text: t('invitedBy', { name: preview.invited_by, album: preview.album.title }) })
    : preview && !preview.usable ? el('p', { class: 'error', text: t('inviteEnded') }) : null;
  const error = el('p', { class: 'error', role: 'alert' });
  const next = el('div', { class: 'actions', hidden: true });
  const password = el('input', { id: 'join-password', name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, maxlength: 256,
    required: true, 'aria-describedby': 'join-password-rule' });
  const show = el('input', { type: 'checkbox', onchange: () => { password.type = show.checked ? 'text' : 'password'; } });
  const toSignIn = (email) => el('button', { type: 'button', class: 'big wide', text: t('signInInstead'), onclick: () => {
    forgetInvite('');
    showSignIn(null, { email });
  } });
  const form = el('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    error.textContent = '';
    next.hidden = true;
    try {
      await api('POST', '/auth/register', { ...values, invite: invite || undefined });
    } catch (err) {
      if (err.code === 'email_taken' || err.code === 'forbidden') {
        error.textContent = err.code === 'email_taken' ? t('emailTaken') : invite ? t('inviteUsed') : t('inviteNeeded');
        next.replaceChildren(toSignIn(values.email));
        next.hidden = false;
      } else {
        error.textContent = err.code === 'validation_failed'
          ? fieldProblems(err, { password: () => (values.password.length > 256 ? t('passwordTooLong') : t('passwordTooShort')) }).join(' ')
          : explain(err);
      }
      return;
    }
    try {
      await api('POST', '/auth/login', { email: values.email, password: values.password });
      forgetInvite();
      await refreshMe();
      route();
    } catch (err) { error.textContent = explain(err); }
  } },
  invited,
  providers.length ? el('div', { class: 'quick-sign-in' },
    el('p', { class: 'lead', text: invited?.classList.contains('lead') ? t('joinWithOnePress') : t('joinInvited') }),
    providerLinks(providers, 'joinWith', invite)) : null,
  el('p', { class: providers.length ? 'or' : 'hint', text: providers.length ? t('orJoinWithPassword') : invite ? t('joinHint') : t('firstAccountHint') }),
  el('label', {}, t('name'), el('input', { name: 'display_name', autocomplete: 'name', required: true, maxlength: 100 })),
  el('label', {}, t('email'), el('input', { name: 'email', type: 'email', autocomplete: 'username', required: true })),
  el('label', {}, t('password'), password),
  el('p', { id: 'join-password-rule', class: 'hint rule', text: t('passwordRule') }),
  el('label', { class: 'check' }, show, t('showPassword')),
  error,
  next,
  el('button', { type: 'submit', class: 'big', text: t('createAccount') }),
  el('button', { type: 'button', class: 'quiet', text: t('haveAccount'), onclick: () => {
    forgetInvite('');
    showSignIn();
  } }));
  page(invite ? t('join') : t('firstAccount'), form);
}

// ---------- albums ----------

const PEOPLE_ICON = ['M17 21v-2a4 4 0 0 0-4-4H5a4 4 0 0 0-4 4v2', 'M9 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z', 'M23 21v-2a4 4 0 0 0-3-3.87', 'M16 3.13a4 4 0 0 1 0 7.75'];
const LOCK_ICON = ['M5 11h14v10H5z', 'M8 11V7a4 4 0 0 1 8 0v4'];
const PERSON_ICON = ['M20 21v-2a4 4 0 0 0-4-4H8a4 4 0 0 0-4 4v2', 'M12 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8z'];

/**
 * Who sees an album and what she may do in it, in a few words with a picture: an album shared
 * with her (she may look, or look and add), or one of her own. Whether her own album is shared
 * needs the api's `member_count` (the people besides her who see it); without it, it is "Your album".
 */
function albumSharing(album) {
  if (album.role !== 'owner') {
    return { kind: 'shared', icon: PEOPLE_ICON, text: album.role === 'contributor' ? t('sharedCanAdd') : t('sharedCanLook') };
  }
  if (typeof album.member_count === 'number') {
    return album.member_count > 0
      ? { kind: 'shared', icon: PEOPLE_ICON, text: album.member_count === 1 ? t('sharedWithOne') : t('sharedWithPeople', { n: album.member_count }) }
      : { kind: 'private', icon: LOCK_ICON, text: t('onlyYou') };
  }
  return { kind: 'own', icon: PERSON_ICON, text: t('yourAlbum') };
}

function sharingLine(album, tag = 'span') {
  const sharing = albumSharing(album);
  return el(tag, { class: `sharing ${sharing.kind}` }, icon(...sharing.icon), el('span', { text: sharing.text }));
}

async function showAlbums() {
  // "On this day" comes with the albums; it is left out when it cannot be had.
  const [{ items }, memories] = await Promise.all([api('GET', '/albums?limit=200'),
    memoriesStrip(state.me, () => showAlbums().catch((err) => toast(explain(err)))).catch(() => null)]);
  const list = el('ul', { class: 'grid albums' });
  for (const album of items) {
    const cover = el('div', { class: 'tile', 'aria-hidden': 'true' });
    if (album.cover_url) cover.append(el('img', { src: album.cover_url, alt: '' }));
    else cover.append(icon('M3 5h18v14H3z', 'M3 16l5-5 5 5', 'M14 14l2-2 5 5'));
    list.append(el('li', {}, el('a', { class: 'album-card', href: `#/album/${album.id}` },
      cover, el('strong', { text: album.title }), el('span', { class: 'hint', text: t(album.media_count === 1 ? 'oneItem' : 'items', { n: album.media_count }) }),
      sharingLine(album)),
      // Simple mode: one tap from the albums to the slideshow.
      simpleMode() && album.media_count > 0 ? albumSlideshowButton(album) : null));
  }
  const create = el('button', { class: 'big', text: `＋ ${t('newAlbum')}`, onclick: async () => {
    const values = await ask(t('newAlbum'), [el('label', {}, t('albumTitle'), el('input', { name: 'title', required: true, maxlength: 200 }))],
      t('create'), { hint: t('newAlbumHint') });
    if (!values) return;
    try {
      const album = await api('POST', '/albums', values);
      location.hash = `#/album/${album.id}`;
    } catch (err) { toast(explain(err)); }
  } });
  page(t('albums'), el('div', { class: 'head-tools' }, create), memories, items.length ? list : el('p', { text: t('noAlbums') }));
}

/** A big Slideshow under an album's card (simple mode): its photos on the whole screen at once. */
function albumSlideshowButton(album) {
  const button = el('button', { type: 'button', class: 'big slideshow-start album-slideshow', 'aria-label': t('slideshowOf', { title: album.title }),
    onclick: async () => {
      button.disabled = true;
      const list = new AlbumItems(album.id, { onChange: () => {}, isShown: () => false });
      try {
        await list.loadMore();
      } catch (err) {
        toast(explain(err));
        return;
      } finally {
        button.disabled = false;
      }
      startSlideshow(list.items, 0, { whole: wholeItem, fetchMore: async () => {
        const before = list.items.length;
        await list.loadMore();
        return list.items.slice(before);
      } });
    } }, el('span', { class: 'triangle', 'aria-hidden': 'true' }), el('span', { text: t('startSlideshow') }));
  return button;
}

// ---------- one album ----------

/**
 * An album's photos. `show.open` opens the viewer at that photo (from a notification), with its
 * comments when `show.comments`, even when it is not on the pages loaded. A long album has the
 * month scrubber on the right (scrubber.js); after a jump to a month, a big "Back to the newest"
 * above the grid.
 */
async function showAlbum(albumId, show = {}) {
  const album = await api('GET', `/albums/${albumId}`);
  const grid = el('ul', { class: 'grid', 'aria-label': album.title });
  const empty = el('p', { text: t('emptyAlbum'), hidden: true });
  const sentinel = el('div', { 'aria-hidden': 'true' });
  // Months are counted where the device is, the same for the scrubber and the pages it opens.
  const offset = zoneOffset();
  const list = new AlbumItems(albumId, {
    onChange: (items) => render(items),
    isShown: () => grid.isConnected,
    onPolled: () => {
      refreshMe().catch(() => {});
      loadMonths();
    },
    offsetMinutes: offset,
  });
  /** The tile shown for each item id, and what it was made from. */
  let tiles = new Map();
  const zipSize = el('span', { class: 'size-note' });
  const loadMonths = () => api('GET', `/albums/${albumId}/months?offset_minutes=${offset}`)
    .then(({ months }) => { if (grid.isConnected) scrubber.setMonths(months); })
    .catch(() => {}); // without its months the album is still there, without the scrubber
  const refresh = () => {
    loadMonths();
    return list.refresh().catch((err) => toast(explain(err)));
  };
  // Only what she may do is offered: the uploader and the album's owner may delete a photo.
  const canDelete = (item) => !simpleMode() && (album.role === 'owner' || item.owner_id === state.me.id);
  // Turning a photo: whoever may add to the album, not in simple mode.
  const canRotate = () => !simpleMode() && album.role !== 'viewer';

  const open = (item, comments = false) => {
    const index = list.items.findIndex((other) => other.id === item.id);
    const items = index >= 0 ? list.items : [...list.items, item];
    openViewer(items, index >= 0 ? index : items.length - 1, { onChange: refresh, canDelete, canRotate, comments, whole: wholeItem });
  };

  const tileFor = (item) => {
    if (item.status === 'processing') {
      return el('li', {}, el('div', { class: 'tile processing', role: 'img', 'aria-label': `${item.filename}: ${t('processing')}`, text: t('processing') }));
    }
    if (item.status === 'failed') {
      return el('li', {}, el('div', { class: 'tile failed', role: 'img', 'aria-label': `${item.filename}: ${t('failed')}` },
        el('span', { text: `${t('failed')}: ${item.failure_reason || ''}` })));
    }
    const button = el('button', { class: 'tile', 'aria-label': `${item.filename}, ${takenText(item)}`, onclick: () => open(item) },
      el('img', { src: item.urls.thumbnail, alt: '', loading: 'lazy' }),
      item.kind === 'video' ? el('span', { class: 'badge', text: '▶' }) : null,
      item.live ? el('span', { class: 'badge live', text: t('live') }) : null);
    thumbhashBackground(button, item.thumbhash);
    return el('li', {}, button);
  };

  // What a tile shows; a tile whose item still looks the same is kept (its image stays loaded).
  // The urls are left out: they are signed afresh on every fetch.
  const looks = (item) => JSON.stringify([item.status, item.kind, item.filename, item.taken_at, item.taken_at_known,
    item.failure_reason, item.thumbhash, Boolean(item.urls.thumbnail), Boolean(item.live), item.quarter_turns]);

  // Patches the grid in place: tiles that stay are not touched, so the scroll position and focus stay.
  const render = (items) => {
    tiles = patchGrid(grid, tiles, items, looks, tileFor);
    empty.hidden = items.length > 0 || list.month !== null;
    const ready = items.filter((item) => item.status === 'ready');
    // The whole album's size: every page loaded, from the newest.
    zipSize.textContent = list.cursor === undefined && list.month === null && ready.length
      ? t('zipSize', { size: bytes(ready.reduce((sum, item) => sum + (item.size_bytes || 0), 0)) }) : '';
    if (pinned !== null) keepAtTop();
    scrubber.follow();
  };

  const fill = list.followScrolling(grid, sentinel, (err) => toast(explain(err)));

  // After a jump: which month the photos start at, and the way back to the newest.
  const jumpedFrom = el('p', { class: 'jumped-from' });
  const backToNewest = el('button', { type: 'button', class: 'big back-to-newest', 'aria-label': t('backToNewest'), text: `↑ ${t('backToNewest')}`,
    onclick: () => goTo(null) });
  const jumped = el('div', { class: 'jumped', hidden: true }, jumpedFrom, backToNewest);
  /**
   * Where a jump scrolled the page to (the way back at the top of the screen), while the pages
   * after it still come: a short first page cannot be scrolled that far yet, the next ones can.
   * Null once it is there, or once she scrolled herself.
   */
  let pinned = null;
  const pinAtTop = () => {
    window.scrollTo(0, Math.max(0, jumped.getBoundingClientRect().top + window.scrollY - 8));
    pinned = window.scrollY;
    if (jumped.hidden || jumped.getBoundingClientRect().top <= 8.5) pinned = null;
  };
  const keepAtTop = () => {
    if (window.scrollY === pinned && !jumped.hidden) pinAtTop();
    else pinned = null;
  };
  /**
   * Shows the album from `month`'s newest photo (null: from the newest of all), the page at the
   * top of the grid; the next pages follow from there as she scrolls.
   */
  const goTo = async (month) => {
    const wasJumped = list.month !== null;
    try {
      await list.startAt(month);
    } catch (err) {
      toast(explain(err));
      return;
    }
    if (!grid.isConnected) return;
    jumped.hidden = month === null;
    jumpedFrom.textContent = month ? t('jumpedFrom', { month: monthName(month) }) : '';
    pinned = null;
    if (month) pinAtTop();
    else window.scrollTo(0, 0);
    // The button she pressed is gone: the focus goes to the page, not to nowhere.
    if (!month && wasJumped && document.activeElement === backToNewest) document.getElementById('main').focus({ preventScroll: true });
    scrubber.follow();
    fill().catch((err) => toast(explain(err)));
  };
  const scrubber = monthScrubber({ grid, items: () => list.items, offset, onJump: goTo,
    floating: () => [document.getElementById('tabs'), uploads?.button, slideshow] });

  const owner = album.role === 'owner';
  const canAdd = album.role !== 'viewer';
  // New uploads show at the top of the newest photos: an upload started after a jump brings them
  // back (once for the files chosen together).
  let returning = null;
  const uploads = canAdd ? uploadPanel(albumId, refresh, () => {
    if (list.month !== null && !returning) returning = goTo(null).finally(() => { returning = null; });
  }) : null;
  // The whole album as one ZIP file; everyone who sees the album may have it (the owner finds it
  // under More, the others beside the title). Its size is said once every page is loaded.
  const zip = el('a', { class: 'button quiet download-all', href: `/api/v1/albums/${albumId}/download`, download: '' },
    icon('M12 3v12', 'M7 10l5 5 5-5', 'M5 21h14'), el('span', {}, t('downloadAll'), ' ', zipSize));
  const tools = !owner ? el('div', { class: 'head-tools' }, zip) : el('div', { class: 'head-tools' },
    el('button', { class: 'quiet', text: t('share'), onclick: () => shareAlbum(album) }),
    moreMenu([
      zip,
      // Simple mode offers nothing that renames or deletes.
      simpleMode() ? null : el('button', { type: 'button', class: 'quiet', text: t('rename'), onclick: async () => {
        const values = await ask(t('rename'), [el('label', {}, t('albumTitle'), el('input', { name: 'title', value: album.title, required: true, maxlength: 200 }))], t('save'));
        if (!values) return;
        try {
          await api('PATCH', `/albums/${albumId}`, values);
          showAlbum(albumId);
        } catch (err) { toast(explain(err)); }
      } }),
      simpleMode() ? null : el('button', { type: 'button', class: 'quiet danger-text', text: t('deleteAlbum'), onclick: async () => {
        if (!(await confirmAction(t('confirmDeleteAlbum', { title: album.title }), t('deleteAlbum'), { danger: true }))) return;
        try {
          await api('DELETE', `/albums/${albumId}`);
          location.hash = '#/albums';
        } catch (err) { toast(explain(err)); }
      } }),
    ], { className: 'album-more' }));
  // Who sees it; someone who may only look is told so (why there is no Add button) and what to do.
  const about = canAdd ? el('div', { class: 'album-about' }, sharingLine(album, 'p'))
    : el('div', { class: 'album-about viewer-note' }, sharingLine(album, 'p'), el('p', { text: t('viewerCannotAdd') }));
  // A big Slideshow for everyone who sees the album: the whole screen, one photo after another.
  const slideshow = el('button', { type: 'button', class: 'big quiet slideshow-start', onclick: () => startSlideshow(list.items, 0, {
    whole: wholeItem,
    fetchMore: async () => {
      const before = list.items.length;
      await list.loadMore();
      return list.items.slice(before);
    },
  }) }, el('span', { class: 'triangle', 'aria-hidden': 'true' }), el('span', { text: t('startSlideshow') }));
  page(album.title, tools, about, el('div', { class: 'actions add-row' }, uploads ? uploads.button : null, slideshow),
    // The scrubber floats beside the grid; it comes before it for the Tab key (not after every photo).
    uploads ? uploads.panel : null, empty, jumped, scrubber.element, grid, sentinel);
  document.getElementById('main').classList.add('album-page');
  loadMonths();
  // Photos shared from another app, brought here by "Add to album" (pwa.js): they upload as if chosen here.
  const shared = uploads && takeSharedFiles(albumId);
  if (shared) uploads.start(shared);
  await list.loadMore();
  if (show.open) {
    // Not on the first page: the photo alone (GET /media/{id}), without waiting for the pages before it.
    const known = list.items.find((item) => item.id === show.open);
    try {
      const item = known || await api('GET', `/media/${show.open}`);
      if (item.album_id === albumId && item.status === 'ready' && grid.isConnected) open(item, show.comments);
    } catch (err) { toast(explain(err)); }
  }
  await fill();
}

/**
 * While anything uploads, asks the phone to keep its screen on (Wake Lock, where the browser has
 * it), since a phone that sleeps stops the page; lets it go when the last upload ends.
 */
async function keepAwake() {
  if (state.activeUploads > 0 && !state.wakeLock && navigator.wakeLock) {
    state.wakeLock = 'asking';
    state.wakeLock = await navigator.wakeLock.request('screen').catch(() => null);
  } else if (state.activeUploads === 0 && state.wakeLock && state.wakeLock !== 'asking') {
    state.wakeLock.release().catch(() => {});
    state.wakeLock = null;
  }
}

// A phone's browser stops a page in the background, uploads included: say so when the person
// comes back, so a pause does not look like a failure. (The wake lock, lost while hidden, is
// asked for again.)
document.addEventListener('visibilitychange', () => {
  if (document.hidden) {
    state.hiddenSince = Date.now();
    return;
  }
  if (state.activeUploads > 0 && state.hiddenSince && Date.now() - state.hiddenSince > 5000) toast(t('uploadPaused'));
  state.hiddenSince = null;
  state.wakeLock = null;
  keepAwake();
});

function uploadPanel(albumId, onUploaded, onSending = () => {}) {
  const input = el('input', { type: 'file', multiple: true, accept: 'image/*,video/*,.heic,.heif', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
  const list = el('ul', { class: 'uploads', 'aria-live': 'polite' });
  const total = el('progress', { max: 1, value: 0, 'aria-label': t('uploadTotal') });
  const totalText = el('span');
  const totals = el('div', { class: 'total', hidden: true }, totalText, total);
  // The words about dropping files are for a computer's mouse; a phone has the big button.
  const drop = el('div', { class: 'drop' }, el('p', { class: 'hint drop-hint', text: t('dropHere') }), totals, list);
  const progress = { bytes: 0, sent: new Map(), count: 0, done: 0, active: 0 };
  let tidying = null;

  const refreshTotal = () => {
    const sent = [...progress.sent.values()].reduce((a, b) => a + b, 0);
    total.max = Math.max(progress.bytes, 1);
    total.value = sent;
    totalText.textContent = progress.active > 0
      ? t('uploading', { done: progress.done, count: progress.count })
      : t('uploadsFinished', { done: progress.done, count: progress.count });
    totals.hidden = progress.count === 0;
  };

  /**
   * When the last upload of a batch has ended, what went well is taken away after a few seconds
   * (so the photos are not pushed down for ever); a failure stays, with its "Try again", and a
   * file the family had already stays a little longer, to be read.
   */
  const tidyLater = () => {
    clearTimeout(tidying);
    if (progress.active > 0) return;
    tidying = setTimeout(() => {
      if (progress.active > 0) return;
      for (const row of list.querySelectorAll('li[data-state=done]')) row.remove();
      if (!list.querySelector('li[data-state=failed]')) {
        Object.assign(progress, { bytes: 0, sent: new Map(), count: 0, done: 0 });
        refreshTotal();
      }
      setTimeout(() => {
        if (progress.active === 0) for (const row of list.querySelectorAll('li[data-state=duplicate]')) row.remove();
      }, 8000);
    }, 4000);
  };

  const start = async (files) => {
    const accepted = [];
    for (const file of files) {
      if (!contentTypeOf(file)) toast(t('notAllowed', { name: file.name }));
      else accepted.push(file);
    }
    if (!accepted.length) return;
    const fresh = await refreshMe();
    const need = accepted.reduce((sum, file) => sum + file.size, 0);
    const free = fresh.quota_bytes - fresh.used_bytes - fresh.reserved_bytes;
    if (need > free) {
      toast(t('noSpace', { need: bytes(need), free: bytes(Math.max(free, 0)) }));
      return;
    }
    for (const file of accepted) send(file);
  };

  const send = async (file, resumeId) => {
    onSending();
    const key = `${file.name}-${file.size}-${file.lastModified}-${Math.random()}`;
    if (!resumeId) { progress.count += 1; progress.bytes += file.size; }
    progress.active += 1;
    clearTimeout(tidying);
    state.activeUploads += 1;
    keepAwake();
    const bar = el('progress', { max: Math.max(file.size, 1), value: 0, 'aria-label': file.name });
    // Until the first byte leaves, the file is being checked (hashed; a long video takes a while).
    const status = el('span', { text: t('checking') });
    const row = el('li', { 'data-state': 'sending' }, el('span', { class: 'upload-name', text: file.name }), status, bar);
    list.append(row);
    refreshTotal();
    try {
      const uploaded = await uploadFile(albumId, file, (sent) => {
        bar.value = sent;
        status.textContent = `${Math.floor((100 * sent) / Math.max(file.size, 1))}%`;
        progress.sent.set(key, sent);
        refreshTotal();
      }, resumeId, (waiting) => {
        status.textContent = waiting ? t('waitingForNetwork') : `${Math.floor((100 * bar.value) / Math.max(file.size, 1))}%`;
      });
      if (uploaded.duplicate) {
        // Nothing to send: it counts as done.
        bar.value = file.size;
        progress.sent.set(key, file.size);
        // Where it is: the album's name, when the person may see that album.
        const album = await api('GET', `/albums/${uploaded.media.album_id}`).catch(() => null);
        const said = album ? t('alreadyIn', { album: album.title }) : t('alreadyAdded');
        status.replaceChildren(el('span', { text: `${said} ` }),
          el('a', { href: `#/album/${uploaded.media.album_id}`, text: t('show') }));
        row.dataset.state = 'duplicate';
      } else {
        status.textContent = t('uploadDone');
        row.dataset.state = 'done';
      }
      progress.done += 1;
      onUploaded();
    } catch (err) {
      row.dataset.state = 'failed';
      status.replaceChildren(el('span', { class: 'error', text: `${t('uploadFailed')}: ${explain(err)} ` }),
        el('button', { class: 'quiet', text: t('retry'), onclick: () => { row.remove(); send(file, err.uploadId); } }));
    } finally {
      progress.active -= 1;
      state.activeUploads -= 1;
      keepAwake();
      refreshTotal();
      tidyLater();
      refreshMe().catch(() => {});
    }
  };

  // Uploads of this album a reload, a closed tab or another device left unfinished: the person
  // picks the same files again and only what the store does not hold yet is sent, under the same
  // reservations. A file that no longer matches (same name, other size or content) starts fresh
  // and its stale reservation is released.
  const unfinished = el('div', { class: 'unfinished', hidden: true });
  let pending = [];
  let continuing = false; // the file picker was opened by "Continue"
  const showUnfinished = () => {
    unfinished.hidden = pending.length === 0;
    unfinished.replaceChildren(...(pending.length === 0 ? [] : [el('p', { text: t('unfinished', { n: pending.length }) }),
      el('button', { class: 'big', text: t('continueUploads'), onclick: () => { continuing = true; input.click(); } })]));
  };
  api('GET', '/uploads?limit=50').then(({ items }) => {
    pending = items.filter((item) => item.album_id === albumId);
    showUnfinished();
  }).catch(() => {});
  const resume = async (files) => {
    for (const file of files) {
      const sameName = pending.filter((item) => item.filename === file.name);
      let match = sameName.find((item) => item.size === file.size);
      if (match?.sha256 && match.sha256 !== await sha256Of(file)) match = undefined;
      for (const stale of sameName.filter((item) => item !== match)) {
        api('DELETE', `/uploads/${stale.id}`).catch(() => {});
      }
      pending = pending.filter((item) => !sameName.includes(item));
      if (match) {
        progress.count += 1;
        progress.bytes += file.size;
        send(file, match.id);
      } else {
        start([file]);
      }
    }
    showUnfinished();
  };

  input.addEventListener('change', () => {
    const files = [...input.files];
    input.value = '';
    if (continuing) resume(files);
    else start(files);
    continuing = false;
  });
  input.addEventListener('cancel', () => { continuing = false; });
  drop.addEventListener('dragover', (event) => { event.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    start([...event.dataTransfer.files]);
  });
  // On a phone, a big button that floats above the tab bar, where a thumb reaches it.
  const button = el('button', { class: 'big fab', text: `＋ ${t('addPhotos')}`, onclick: () => { continuing = false; input.click(); } });
  return { button, start, panel: el('section', { 'aria-label': t('addPhotos') }, input, unfinished, drop) };
}

// ---------- sharing ----------

function shareAlbum(album) {
  const result = el('div', { class: 'invite-result' });
  // A family member invited to look is usually also glad to add: that is the first choice.
  const role = el('select', { name: 'role', id: 'share-role' },
    el('option', { value: 'contributor', text: t('contributor') }), el('option', { value: 'viewer', text: t('viewer') }));
  const email = el('input', { name: 'email', type: 'email', autocomplete: 'off' });
  const said = el('p', { class: 'success', role: 'status' });
  const problem = el('p', { class: 'error', role: 'alert' });
  const say = (message, trouble) => {
    said.textContent = message || '';
    problem.textContent = trouble || '';
  };
  const dialog = el('dialog', { 'aria-label': t('shareTitle'), class: 'share-dialog' },
    el('h2', { text: t('shareTitle') }),
    el('label', {}, t('role'), role),
    el('div', { class: 'actions' }, el('button', { text: t('makeLink'), onclick: async () => {
      say();
      try {
        const invite = await api('POST', '/invites', { album_id: album.id, role: role.value });
        const link = el('input', { value: invite.url, readonly: true, 'aria-label': t('inviteLinkLabel'), id: 'invite-link' });
        // "Copied!" is said in the dialog, beside the button, where she is looking.
        const copied = el('span', { class: 'success copied', role: 'status' });
        result.replaceChildren(el('p', { class: 'hint', text: t('linkHint') }),
          el('div', { class: 'copy-row' }, link, el('button', { class: 'quiet', text: t('copy'), onclick: async () => {
            link.select();
            try { await navigator.clipboard.writeText(invite.url); } catch { document.execCommand('copy'); }
            copied.textContent = t('copied');
          } })), copied);
      } catch (err) { say('', explain(err)); }
    } })),
    result,
    el('h2', { text: t('addMember') }),
    el('label', {}, t('email'), email),
    el('div', { class: 'actions' },
      el('button', { class: 'quiet', text: t('add'), onclick: async () => {
        say();
        try {
          await api('POST', `/albums/${album.id}/members`, { email: email.value, role: role.value });
          say(t('added'));
        } catch (err) {
          say('', err.code === 'validation_failed' ? fieldProblems(err, { email: 'memberEmailProblem' }).join(' ') : explain(err));
        }
      } })),
    said, problem,
    shareLinkSection(album),
    el('div', { class: 'actions' }, el('button', { class: 'big quiet', text: t('close'), onclick: () => dialog.close() })));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

/** The part of the share dialog that leads to the links (share-links.js): a few words and a big button. */
function shareLinkSection(album) {
  return el('section', { class: 'share-links-section', 'aria-labelledby': 'share-links-title' },
    el('h2', { id: 'share-links-title', text: t('shareLinkTitle') }),
    el('p', { class: 'hint', text: t('shareLinkHelp') }),
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'quiet', text: t('shareLinkOpen'), onclick: () => openLinkDialog(album) })));
}

// ---------- trash ----------

/**
 * The trash: what she deleted, each with a big Restore. Emptying it for good is the last thing on
 * the page, in its own part, and asks first (the question starts on Cancel).
 */
async function showTrash() {
  const { items } = await api('GET', '/trash?limit=200');
  const list = el('ul', { class: 'grid trash' });
  for (const item of items) {
    const picture = el('div', { class: 'tile', role: 'img', 'aria-label': item.filename });
    if (item.urls.thumbnail) picture.append(el('img', { src: item.urls.thumbnail, alt: '' }));
    else picture.textContent = item.filename;
    list.append(el('li', {}, picture, el('button', { class: 'quiet', text: t('restore'), 'aria-label': `${t('restore')}: ${item.filename}`, onclick: async () => {
      try {
        await api('POST', `/media/${item.id}/restore`);
      } catch (err) {
        toast(t('restoreFailed', { name: item.filename, reason: explain(err) }));
        return;
      }
      toast(t('restored'));
      showTrash();
    } })));
  }
  const emptying = items.length && !simpleMode() ? el('section', { class: 'danger-zone', 'aria-labelledby': 'empty-trash-title' },
    el('h2', { id: 'empty-trash-title', text: t('emptyTrashTitle') }),
    el('p', { text: t('emptyTrashHelp') }),
    el('button', { class: 'danger', text: t('emptyTrash'), onclick: async () => {
      if (!(await confirmAction(t('confirmEmpty'), t('emptyTrashForGood'), { danger: true }))) return;
      try {
        await api('DELETE', '/trash');
      } catch (err) {
        toast(explain(err));
        return;
      }
      showTrash();
      setTimeout(() => refreshMe().catch(() => {}), 1500);
    } })) : null;
  page(t('trash'), items.length ? [el('p', { text: t('trashHelp') }), list] : el('p', { text: t('trashEmpty') }), emptying);
}

// ---------- settings ----------

/**
 * Everything that is not a photo, on one page (a phone's top bar leads here): storage, language,
 * the trash, devices, the family (for the admin), signing out.
 */
function showSettings() {
  const me = state.me;
  const language = el('select', { id: 'settings-lang' },
    el('option', { value: 'ko', text: '한국어' }), el('option', { value: 'en', text: 'English' }));
  language.value = currentLanguage();
  language.addEventListener('change', () => changeLanguage(language.value));
  const row = (href, text, paths) => el('li', {}, el('a', { class: 'setting-link', href }, icon(...paths), el('span', { text }), el('span', { class: 'chevron', 'aria-hidden': 'true', text: '›' })));
  const usage = el('progress', { max: Math.max(me.quota_bytes, 1), value: me.used_bytes + me.reserved_bytes, 'aria-labelledby': 'settings-storage-text' });
  // Simple mode (#20): a switch of her own; off again from here, whoever turned it on.
  const trashRow = row('#/trash', t('trash'), ['M3 6h18', 'M8 6V4h8v2', 'M19 6l-1 14H6L5 6']);
  trashRow.hidden = simpleMode();
  const simpleSaid = el('p', { class: 'success', role: 'status' });
  const simpleError = el('p', { class: 'error', role: 'alert' });
  const simpleSwitch = el('input', { type: 'checkbox', role: 'switch', id: 'simple-mode', 'aria-describedby': 'simple-mode-hint',
    checked: Boolean(me.simple_mode), onchange: async () => {
      const on = simpleSwitch.checked;
      simpleSaid.textContent = '';
      simpleError.textContent = '';
      simpleSwitch.disabled = true;
      try {
        state.me = { ...state.me, ...(await api('PUT', '/me/simple-mode', { on })) };
        setSimple(Boolean(state.me.simple_mode));
        trashRow.hidden = simpleMode();
        simpleSaid.textContent = t(on ? 'simpleModeOn' : 'simpleModeOff');
      } catch (err) {
        simpleSwitch.checked = !on;
        simpleError.textContent = explain(err);
      } finally {
        simpleSwitch.disabled = false;
      }
    } });
  // On, it comes first (the way back is the first thing she sees); off, it comes last.
  const simpleSection = el('section', { class: 'setting simple-setting' },
    el('label', { class: 'check switch' }, simpleSwitch, el('span', { text: t('simpleModeSwitch') })),
    el('p', { id: 'simple-mode-hint', class: 'hint', text: t('simpleModeHint') }),
    simpleSaid, simpleError);
  page(t('settings'),
    me.simple_mode ? simpleSection : null,
    el('ul', { class: 'settings-list' },
      trashRow,
      row('#/devices', t('devicesAndSignIn'), ['M7 2h10v20H7z', 'M11 18h2']),
      me.is_admin ? row('#/family', t('family'), PEOPLE_ICON) : null),
    el('section', { class: 'setting', 'aria-labelledby': 'settings-storage-title' },
      el('h2', { id: 'settings-storage-title', text: t('storageTitle') }),
      usage, el('p', { id: 'settings-storage-text', text: storageText(me) })),
    el('section', { class: 'setting' },
      el('h2', { text: t('language') }),
      el('label', { class: 'visually-hidden', for: 'settings-lang', text: t('language') }), language),
    el('section', { class: 'setting' },
      el('p', { class: 'hint', text: t('signedInAs', { name: me.display_name, email: me.email }) }),
      el('button', { class: 'big quiet wide', text: t('signOut'), onclick: signOutNow })),
    me.simple_mode ? null : simpleSection);
}

// ---------- devices ----------

const SIGNED_IN_WITH = { password: 'signedInWithPassword', passkey: 'signedInWithPasskey', link: 'signedInWithLink' };

/** How a session began, in words; an account elsewhere is named when the server offers only one. */
function signedInWith(session, providers) {
  if (session.signed_in_with === 'oidc') {
    return providers.length === 1 ? t('signedInWithOidc', { provider: providers[0].label }) : t('signedInWithLinkedAccount');
  }
  return SIGNED_IN_WITH[session.signed_in_with] ? t(SIGNED_IN_WITH[session.signed_in_with]) : null;
}

/**
 * The devices she is signed in on (a lost phone is signed out from here) and roughly where each
 * signed in, the accounts elsewhere she signs in with, and her passkeys.
 */
async function showDevices() {
  const [{ items, places_by: placesBy }, { providers }, identities, passkeys] = await Promise.all([
    api('GET', '/sessions'), signInMethods(), identitySection(), passkeySection()]);
  const signOut = async (session) => {
    if (!(await confirmAction(t('confirmSignOutDevice', { device: session.device }), t('signOutDevice'), { danger: true }))) return;
    try {
      await api('DELETE', `/sessions/${session.id}`);
    } catch (err) { toast(explain(err)); }
    showDevices();
  };
  const list = el('ul', { class: 'devices' }, items.map((session) => el('li', {},
    el('div', {},
      el('strong', { text: session.device }),
      session.current ? el('span', { class: 'this-device', text: t('thisDevice') }) : null,
      el('p', { text: t('lastUsed', { date: date(session.last_seen_at) }) }),
      placeText(session.place) ? el('p', { class: 'place', text: placeText(session.place) }) : null,
      signedInWith(session, providers) ? el('p', { class: 'hint', text: signedInWith(session, providers) }) : null),
    session.current ? null : el('button', { class: 'quiet', text: t('signOutDevice'), 'aria-label': `${t('signOutDevice')}: ${session.device}`, onclick: () => signOut(session) }))));
  const others = items.filter((session) => !session.current).length;
  const all = el('button', { class: 'danger', text: t('signOutOthers'), disabled: !others, onclick: async () => {
    if (!(await confirmAction(t('confirmSignOutOthers'), t('signOutOthers'), { danger: true }))) return;
    try {
      const { signed_out: n } = await api('POST', '/sessions/sign-out-others');
      toast(t('signedOutDevices', { n }));
    } catch (err) { toast(explain(err)); }
    showDevices();
  } });
  // The place database's licence asks for its credit beside the places (DB-IP's: a link to it).
  const credit = placesBy ? el('p', { class: 'hint credit' },
    /DB-IP/i.test(placesBy) ? el('a', { href: 'https://db-ip.com', text: placesBy }) : placesBy) : null;
  page(t('devicesTitle'), el('p', { text: t('devicesHelp') }), list, credit, el('div', { class: 'actions' }, all), identities.section, passkeys);
  identities.shown();
}

/** Set while the browser is away linking an account elsewhere (the provider's name). */
const LINKING = 'picup.linking';

/**
 * The accounts elsewhere (Google, the family's own login…) she signs in with: listed (which,
 * email, linked, last used), unlinked, and linked (the page goes to the provider and comes back
 * to the devices page). No section where the server offers none.
 */
async function identitySection() {
  const { providers } = await signInMethods();
  const nothing = { section: null, shown: () => {} };
  if (!providers.length) {
    sessionStorage.removeItem(LINKING);
    return nothing;
  }
  const list = el('ul', { class: 'devices identities' });
  const none = el('p', { text: t('noIdentities') });
  const linkButtons = el('div', { class: 'actions' });
  const status = el('p', { class: 'success', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert' });
  const say = (message, problem) => {
    status.textContent = message || '';
    error.textContent = problem || '';
  };
  const labelOf = (name) => (providers.find((provider) => provider.name === name) || {}).label || name;

  const unlink = async (identity) => {
    say();
    if (!(await confirmAction(t('confirmUnlink', { provider: identity.label }), t('unlink'), { danger: true }))) return;
    try {
      await api('DELETE', `/me/identities/${encodeURIComponent(identity.provider)}`);
      await fill();
      say(t('identityUnlinked', { provider: identity.label }));
    } catch (err) { say('', explain(err)); }
  };
  const link = async (provider, button) => {
    say();
    button.disabled = true;
    try {
      const { url } = await api('POST', `/auth/oidc/${encodeURIComponent(provider.name)}/link`);
      sessionStorage.setItem(LINKING, provider.name);
      location.href = url;
    } catch (err) {
      say('', explain(err));
      button.disabled = false;
    }
  };
  const fill = async () => {
    const { items } = await api('GET', '/me/identities');
    list.replaceChildren(...items.map((identity) => el('li', {},
      el('div', {},
        el('strong', { text: identity.label }),
        identity.email ? el('p', { class: 'email', text: identity.email }) : null,
        el('p', { text: t('identityLinkedOn', { date: date(identity.created_at) }) }),
        el('p', { text: identity.last_used_at ? t('identityLastUsed', { date: date(identity.last_used_at) }) : t('identityNeverUsed') })),
      el('button', { class: 'quiet', text: t('unlink'), 'aria-label': `${t('unlink')}: ${identity.label}`, onclick: () => unlink(identity) }))));
    list.hidden = items.length === 0;
    none.hidden = items.length > 0;
    const linked = new Set(items.map((identity) => identity.provider));
    linkButtons.replaceChildren(...providers.filter((provider) => !linked.has(provider.name)).map((provider) => {
      const button = el('button', { class: 'big', text: t('linkAccount', { provider: provider.label }), onclick: () => link(provider, button) });
      return button;
    }));
    linkButtons.hidden = linkButtons.childElementCount === 0;
    return items;
  };

  const items = await fill();
  // Back from the provider after linking: say so, where she can see it.
  const linking = sessionStorage.getItem(LINKING);
  sessionStorage.removeItem(LINKING);
  const justLinked = Boolean(linking) && items.some((identity) => identity.provider === linking);
  if (justLinked) say(t('identityLinked', { provider: labelOf(linking) }));
  const section = el('section', { class: 'identity-section', 'aria-labelledby': 'identities-title' },
    el('h2', { id: 'identities-title', text: t('identitiesTitle') }),
    el('p', { text: t('identitiesHelp') }),
    none, list, status, error, linkButtons);
  return { section, shown: () => { if (justLinked) section.scrollIntoView({ block: 'start' }); } };
}

/**
 * Her passkeys: listed (device, added, last used), removed, added. Null where the server makes no
 * passkeys (opened by an IP address). It redraws its own list, so what it says stays in view.
 */
async function passkeySection() {
  if (!(await signInMethods()).passkeys) return null;
  const list = el('ul', { class: 'devices passkeys' });
  const none = el('p', { text: t('noPasskeys') });
  const status = el('p', { class: 'success', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert' });
  const say = (message, problem) => {
    status.textContent = message || '';
    error.textContent = problem || '';
  };
  const remove = async (passkey) => {
    say();
    if (!(await confirmAction(t('confirmRemovePasskey', { name: passkey.name }), t('removePasskey'), { danger: true }))) return;
    try {
      await api('DELETE', `/passkeys/${passkey.id}`);
      await fill();
      say(t('passkeyRemoved'));
    } catch (err) { say('', explain(err)); }
  };
  const fill = async () => {
    const { items } = await api('GET', '/passkeys');
    list.replaceChildren(...items.map((passkey) => el('li', {},
      el('div', {},
        el('strong', { text: passkey.name }),
        el('p', { text: t('passkeyAddedOn', { date: date(passkey.created_at) }) }),
        el('p', { text: passkey.last_used_at ? t('passkeyLastUsed', { date: date(passkey.last_used_at) }) : t('passkeyNeverUsed') })),
      el('button', { class: 'quiet', text: t('removePasskey'), 'aria-label': `${t('removePasskey')}: ${passkey.name}`, onclick: () => remove(passkey) }))));
    list.hidden = items.length === 0;
    none.hidden = items.length > 0;
  };
  await fill();
  const add = el('button', { class: 'big', text: `＋ ${t('addPasskey')}`, onclick: async () => {
    say();
    add.disabled = true;
    try {
      await addPasskey();
      await fill();
      say(t('passkeyAdded'));
    } catch (err) {
      say('', passkeyProblem(err, 'add') || explain(err));
    } finally {
      add.disabled = false;
    }
  } });
  return el('section', { class: 'passkey-section', 'aria-labelledby': 'passkeys-title' },
    el('h2', { id: 'passkeys-title', text: t('passkeys') }),
    el('p', { text: t('passkeysHelp') }),
    none, list, status, error,
    browserHasPasskeys() ? el('div', { class: 'actions' }, add) : null);
}

// ---------- the admin's sign-in link ----------

/**
 * Signs in with the one-time link the admin made. The token goes to the server once and is taken
 * off the address bar (and the history) before anything else happens.
 */
async function useSignInLink(token) {
  history.replaceState(null, '', `${location.pathname}#/link`);
  signedOut();
  page(t('signingIn'));
  try {
    await api('POST', '/auth/link', { token });
  } catch (err) {
    if (err.code === 'sign_in_refused') return showLinkRefused();
    // Not refused, not reached (no network, too many tries): the same link may be tried again.
    return page('picup', el('p', { class: 'error', role: 'alert', text: explain(err) }),
      el('div', { class: 'actions' }, el('button', { class: 'big', text: t('retry'), onclick: () => useSignInLink(token) })));
  }
  history.replaceState(null, '', `${location.pathname}#/welcome`);
  try {
    await refreshMe();
    return await showWelcome();
  } catch (err) {
    return page('picup', el('p', { class: 'error', role: 'alert', text: explain(err) }));
  }
}

function showLinkRefused() {
  page(t('linkRefusedTitle'),
    el('p', { class: 'lead', text: t('linkRefused') }),
    el('div', { class: 'actions' }, el('button', { class: 'big', text: t('toSignIn'), onclick: () => {
      history.replaceState(null, '', location.pathname);
      route();
    } })));
}

/** After a sign-in link: a passkey for next time, a new password, or straight to the albums. */
async function showWelcome() {
  const passkeys = await passkeysHere();
  const status = el('p', { class: 'success', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert' });

  const passkeyButton = el('button', { class: 'big wide', text: t('usePasskeyNextTime'), onclick: async () => {
    status.textContent = '';
    error.textContent = '';
    passkeyButton.disabled = true;
    try {
      await addPasskey();
      passkeyChoice.hidden = true;
      status.textContent = t('passkeyAdded');
    } catch (err) {
      error.textContent = passkeyProblem(err, 'add') || explain(err);
    } finally {
      passkeyButton.disabled = false;
    }
  } });
  const passkeyChoice = el('div', { class: 'choice' }, passkeyButton, el('p', { class: 'hint', text: t('usePasskeyHint') }));

  const password = newPasswordForm(() => {
    status.textContent = t('passwordSaved');
    error.textContent = '';
  });
  const passwordButton = el('button', { class: 'big wide', text: t('chooseNewPassword'), onclick: () => {
    passwordButton.hidden = true;
    password.form.hidden = false;
    password.focus();
  } });

  // What happened is said above the choices, in view on a phone whichever one she pressed.
  page(t('linkWelcome', { name: state.me.display_name }),
    el('p', { class: 'lead', text: t('signedInNow') }),
    el('p', { text: t('whatNext') }),
    status, error,
    el('div', { class: 'choices' },
      passkeys ? passkeyChoice : null,
      passwordButton, password.form,
      el('a', { class: 'button big wide quiet', href: '#/albums', text: t('goToAlbums') })));
}

/**
 * A new password: the rule written under the field, a "show the password" box, and the current
 * password asked for only when the server wants it (more than an hour after the link).
 */
function newPasswordForm(onSaved) {
  const input = el('input', { id: 'new-password', name: 'new_password', type: 'password', autocomplete: 'new-password',
    minlength: 8, maxlength: 256, required: true, 'aria-describedby': 'new-password-rule' });
  const current = el('input', { name: 'current_password', type: 'password', autocomplete: 'current-password' });
  const currentLabel = el('label', { hidden: true }, t('currentPassword'), current);
  const show = el('input', { type: 'checkbox', onchange: () => {
    for (const field of [input, current]) field.type = show.checked ? 'text' : 'password';
  } });
  const error = el('p', { class: 'error', role: 'alert' });
  const form = el('form', { class: 'card', hidden: true, onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    try {
      await api('PUT', '/me/password', { new_password: input.value, current_password: currentLabel.hidden ? undefined : current.value });
    } catch (err) {
      if (err.fields.current_password) {
        error.textContent = currentLabel.hidden ? t('currentPasswordNeeded') : t('wrongCurrentPassword');
        currentLabel.hidden = false;
        current.focus();
      } else if (err.fields.new_password) {
        error.textContent = input.value.length > 256 ? t('passwordTooLong') : t('passwordTooShort');
      } else {
        error.textContent = explain(err);
      }
      return;
    }
    input.value = '';
    current.value = '';
    form.hidden = true;
    onSaved();
  } },
  el('h2', { text: t('chooseNewPassword') }),
  currentLabel,
  el('label', {}, t('newPassword'), input),
  el('p', { id: 'new-password-rule', class: 'hint rule', text: t('passwordRule') }),
  el('label', { class: 'check' }, show, t('showPassword')),
  error,
  el('button', { type: 'submit', class: 'big', text: t('saveNewPassword') }));
  return { form, focus: () => input.focus() };
}

// ---------- back from another account's sign-in page, refused ----------

const OIDC_ERRORS = {
  oidc_unknown: 'oidcUnknown',
  oidc_email_taken: 'oidcEmailTaken',
  oidc_linked_elsewhere: 'oidcLinkedElsewhere',
  oidc_cancelled: 'oidcCancelled',
  oidc_refused: 'oidcRefused',
  oidc_unavailable: 'oidcUnavailable',
  oidc_invite_used: 'inviteUsed',
};

/** Why signing in (or linking) with an account elsewhere did not work, and the way back. */
function showOidcError(code) {
  sessionStorage.removeItem(LINKING);
  const message = Object.hasOwn(OIDC_ERRORS, code) ? t(OIDC_ERRORS[code]) : t('oidcGeneral');
  const back = state.me
    ? el('a', { class: 'button big', href: '#/albums', text: t('goToAlbums') })
    : el('button', { class: 'big', text: t('toSignIn'), onclick: () => {
      history.replaceState(null, '', location.pathname);
      route();
    } });
  page(t('oidcErrorTitle'), el('p', { class: 'lead oidc-error', text: message }), el('div', { class: 'actions' }, back));
}

// ---------- routing ----------

/** Marks the phone's tab for the page shown (Albums, What's new, Search). */
function markTab(view) {
  const tab = { album: 'albums', albums: 'albums', news: 'news', search: 'search' }[view || 'albums'];
  for (const link of document.querySelectorAll('#tabs a')) {
    if (link.dataset.tab === tab) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function route() {
  // A share link (/s/TOKEN): the album it opens, read-only, with no sign-in and no signed-in menus.
  const shared = sharedToken();
  if (shared) {
    signedOut();
    return showShared(shared);
  }
  const invite = new URLSearchParams(location.search).get('invite');
  if (invite) {
    // Someone signed in already (she has an account) joins the album with one tap; the invite is
    // taken off the address.
    try {
      if (!state.me) await refreshMe();
    } catch (err) {
      if (err.status === 401) return showRegister(invite);
      return page('picup', el('p', { class: 'error', role: 'alert', text: explain(err) }));
    }
    return showAcceptInvite(invite);
  }
  const [path, query = ''] = location.hash.slice(1).split('?');
  const [, view, id, sub, subId] = path.split('/');
  if (view === 'link' && id) return useSignInLink(id);
  if (view === 'oidc-error') {
    try {
      if (!state.me) await refreshMe();
    } catch {
      signedOut();
    }
    return showOidcError(id);
  }
  try {
    if (!state.me) await refreshMe();
  } catch (err) {
    if (err.status === 401) return showSignIn();
    return page('picup', el('p', { class: 'error', role: 'alert', text: explain(err) }));
  }
  markTab(view);
  try {
    if (view === 'album' && id && sub === 'photo' && subId) {
      // A photo from a notification: the album is what Back comes to from the photo.
      history.replaceState(null, '', `${location.pathname}#/album/${id}`);
      await showAlbum(id, { open: subId, comments: new URLSearchParams(query).has('comments') });
    } else if (view === 'album' && id) await showAlbum(id);
    else if (view === 'trash') await showTrash();
    else if (view === 'devices') await showDevices();
    else if (view === 'family') await showFamily(state.me);
    else if (view === 'welcome') await showWelcome();
    else if (view === 'news') await showNews(state.me);
    else if (view === 'search') await showSearch(id ? decodeURIComponent(id) : '', state.me);
    else if (view === 'settings') showSettings();
    else if (view === 'share-target') await showAddShared();
    else await showAlbums();
  } catch (err) {
    if (err.status === 401) return showSignIn();
    toast(explain(err));
  }
}

function changeLanguage(language) {
  setLanguage(language);
  document.getElementById('lang').value = language;
  if (state.me) refreshMe().catch(() => {});
  route();
}

async function signOutNow() {
  await api('POST', '/auth/logout').catch(() => {});
  history.replaceState(null, '', location.pathname);
  showSignIn();
}

document.getElementById('lang').value = currentLanguage();
setLanguage(currentLanguage());
document.getElementById('lang').addEventListener('change', (event) => changeLanguage(event.target.value));
document.getElementById('signout').addEventListener('click', signOutNow);
document.getElementById('search').addEventListener('submit', (event) => {
  event.preventDefault();
  const query = document.getElementById('search-input').value.trim();
  if (query) location.hash = `#/search/${encodeURIComponent(query)}`;
});
window.addEventListener('hashchange', route);
window.addEventListener('beforeunload', (event) => {
  if (state.activeUploads > 0) {
    event.preventDefault();
    event.returnValue = t('leaveWarning');
  }
});
// The app on the phone (the service worker, the offline note); back online, the page shows fresh answers.
startApp({ onOnline: () => { if (state.me) route(); } });
route().finally(endEarly);
