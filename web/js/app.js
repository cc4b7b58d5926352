// The family web album: sign in (password, passkey or another account such as Google) or join,
// albums, an album's photos with a viewer, uploads, sharing, the trash, devices, passkeys and
// linked accounts, and the admin's sign-in links. Plain DOM, hash routes (#/albums, #/album/ID,
// #/trash, #/devices, #/family, #/link/TOKEN, #/welcome, #/oidc-error/CODE).

import { api } from './api.js';
import { ask, confirmAction, el, explain, page, thumbhashBackground, toast } from './dom.js';
import { bytes, currentLanguage, date, placeText, setLanguage, t } from './i18n.js';
import { contentTypeOf, sha256Of, uploadFile } from './upload.js';
import { openViewer } from './viewer.js';
import { showNews, showSearch, startBell } from './activity.js';
import { AlbumItems } from './album-items.js';
import { addPasskey, browserHasPasskeys, passkeyProblem, signInWithPasskey } from './passkeys.js';
import { showFamily } from './family.js';

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

async function refreshMe() {
  const me = await api('GET', '/me');
  state.me = me;
  const bar = document.getElementById('storage-bar');
  bar.max = Math.max(me.quota_bytes, 1);
  bar.value = me.used_bytes + me.reserved_bytes;
  document.getElementById('storage-text').textContent = t('storage', { used: bytes(me.used_bytes), total: bytes(me.quota_bytes) });
  for (const id of ['nav', 'storage', 'signout', 'search', 'bell']) document.getElementById(id).hidden = false;
  document.getElementById('nav-family').hidden = !me.is_admin;
  if (!state.stopBell) state.stopBell = startBell(document.getElementById('bell'));
  return me;
}

function signedOut() {
  state.me = null;
  for (const id of ['nav', 'storage', 'signout', 'search', 'bell']) document.getElementById(id).hidden = true;
  if (state.stopBell) { state.stopBell(); state.stopBell = null; }
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

async function showSignIn(message) {
  signedOut();
  const passkeys = await passkeysHere();
  const { providers } = await signInMethods();
  const signedIn = async () => {
    await refreshMe();
    location.hash = '#/albums';
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
      error.textContent = err.code === 'invalid_credentials' ? t('wrongLogin') : explain(err);
    }
  } },
  passkeys || providers.length ? el('div', { class: 'quick-sign-in' },
    passkeys ? [passkeyButton, el('p', { class: 'hint', text: t('passkeySignInHint') }), passkeyError] : null,
    providerLinks(providers, 'signInWith')) : null,
  passkeys || providers.length ? el('p', { class: 'or', text: t('orWithPassword') }) : null,
  el('label', {}, t('email'), el('input', { name: 'email', type: 'email', autocomplete: 'username', required: true })),
  el('label', {}, t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
  error,
  el('button', { type: 'submit', class: 'big', text: t('signIn') }),
  el('button', { type: 'button', class: 'quiet', text: t('newHere'), onclick: () => showRegister(null) }));
  page(t('welcome'), form);
}

async function showRegister(invite) {
  signedOut();
  // Joining with an invite can also be done with an account the person already has (Google…).
  const providers = invite ? (await signInMethods()).providers : [];
  const error = el('p', { class: 'error', role: 'alert' });
  const form = el('form', { class: 'card', onsubmit: async (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(form));
    try {
      await api('POST', '/auth/register', { ...values, invite: invite || undefined });
      await api('POST', '/auth/login', { email: values.email, password: values.password });
      history.replaceState(null, '', '/#/albums');
      await refreshMe();
      route();
    } catch (err) {
      const fields = Object.values(err.fields || {}).flat();
      error.textContent = fields.length ? fields.join(' ') : explain(err);
    }
  } },
  providers.length ? el('div', { class: 'quick-sign-in' },
    el('p', { class: 'lead', text: t('joinInvited') }), providerLinks(providers, 'joinWith', invite)) : null,
  el('p', { class: providers.length ? 'or' : 'hint', text: providers.length ? t('orJoinWithPassword') : invite ? t('joinHint') : t('firstAccountHint') }),
  el('label', {}, t('name'), el('input', { name: 'display_name', autocomplete: 'name', required: true })),
  el('label', {}, t('email'), el('input', { name: 'email', type: 'email', autocomplete: 'username', required: true })),
  el('label', {}, t('password'), el('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: true })),
  error,
  el('button', { type: 'submit', class: 'big', text: t('createAccount') }),
  el('button', { type: 'button', class: 'quiet', text: t('haveAccount'), onclick: () => showSignIn() }));
  page(invite ? t('join') : t('firstAccount'), form);
}

// ---------- albums ----------

async function showAlbums() {
  const { items } = await api('GET', '/albums?limit=200');
  const list = el('ul', { class: 'grid albums' });
  for (const album of items) {
    const cover = el('div', { class: 'tile', 'aria-hidden': 'true' });
    if (album.cover_url) cover.append(el('img', { src: album.cover_url, alt: '' }));
    else cover.textContent = '🖼';
    list.append(el('li', {}, el('a', { class: 'album-card', href: `#/album/${album.id}` },
      cover, el('strong', { text: album.title }), el('span', { class: 'hint', text: t('items', { n: album.media_count }) }))));
  }
  const create = el('button', { class: 'big', text: `＋ ${t('newAlbum')}`, onclick: async () => {
    const values = await ask(t('newAlbum'), [el('label', {}, t('albumTitle'), el('input', { name: 'title', required: true, maxlength: 200 }))], t('create'));
    if (!values) return;
    try {
      const album = await api('POST', '/albums', values);
      location.hash = `#/album/${album.id}`;
    } catch (err) { toast(explain(err)); }
  } });
  page(t('albums'), el('div', { class: 'actions' }, create), items.length ? list : el('p', { text: t('noAlbums') }));
}

// ---------- one album ----------

async function showAlbum(albumId) {
  const album = await api('GET', `/albums/${albumId}`);
  const grid = el('ul', { class: 'grid', 'aria-label': album.title });
  const empty = el('p', { text: t('emptyAlbum'), hidden: true });
  const sentinel = el('div', { 'aria-hidden': 'true' });
  const list = new AlbumItems(albumId, {
    onChange: (items) => render(items),
    isShown: () => grid.isConnected,
    onPolled: () => refreshMe().catch(() => {}),
  });
  /** The tile shown for each item id, and what it was made from. */
  let tiles = new Map();

  const open = (item) => {
    const index = list.items.findIndex((other) => other.id === item.id);
    openViewer(list.items, index, () => list.refresh().catch((err) => toast(explain(err))));
  };

  const tileFor = (item) => {
    if (item.status === 'processing') {
      return el('li', {}, el('div', { class: 'tile processing', role: 'img', 'aria-label': `${item.filename}: ${t('processing')}`, text: t('processing') }));
    }
    if (item.status === 'failed') {
      return el('li', {}, el('div', { class: 'tile failed', role: 'img', 'aria-label': `${item.filename}: ${t('failed')}` },
        el('span', { text: `${t('failed')}: ${item.failure_reason || ''}` })));
    }
    const button = el('button', { class: 'tile', 'aria-label': `${item.filename}, ${t('takenOn', { date: date(item.taken_at) })}`, onclick: () => open(item) },
      el('img', { src: item.urls.thumbnail, alt: '', loading: 'lazy' }),
      item.kind === 'video' ? el('span', { class: 'badge', text: '▶' }) : null,
      item.live ? el('span', { class: 'badge live', text: t('live') }) : null);
    thumbhashBackground(button, item.thumbhash);
    return el('li', {}, button);
  };

  // What a tile shows; a tile whose item still looks the same is kept (its image stays loaded).
  // The urls are left out: they are signed afresh on every fetch.
  const looks = (item) => JSON.stringify([item.status, item.kind, item.filename, item.taken_at,
    item.failure_reason, item.thumbhash, Boolean(item.urls.thumbnail), Boolean(item.live)]);

  // Patches the grid in place: tiles that stay are not touched, so the scroll position and focus stay.
  const render = (items) => {
    const next = new Map();
    const wanted = items.map((item) => {
      const key = looks(item);
      const kept = tiles.get(item.id);
      const tile = kept && kept.key === key ? kept.tile : tileFor(item);
      next.set(item.id, { key, tile });
      return tile;
    });
    wanted.forEach((tile, index) => {
      if (grid.children[index] !== tile) grid.insertBefore(tile, grid.children[index] || null);
    });
    while (grid.children.length > wanted.length) grid.lastElementChild.remove();
    tiles = next;
    empty.hidden = items.length > 0;
  };

  new IntersectionObserver((entries) => {
    if (entries.some((entry) => entry.isIntersecting)) list.loadMore().catch((err) => toast(explain(err)));
  }).observe(sentinel);

  const owner = album.role === 'owner';
  const canAdd = album.role !== 'viewer';
  const uploads = uploadPanel(albumId, () => list.refresh().catch((err) => toast(explain(err))));
  const actions = el('div', { class: 'actions' },
    canAdd ? uploads.button : null,
    owner ? el('button', { class: 'quiet', text: t('share'), onclick: () => shareAlbum(album) }) : null,
    owner ? el('button', { class: 'quiet', text: t('rename'), onclick: async () => {
      const values = await ask(t('rename'), [el('label', {}, t('albumTitle'), el('input', { name: 'title', value: album.title, required: true, maxlength: 200 }))], t('save'));
      if (values) { await api('PATCH', `/albums/${albumId}`, values).catch((err) => toast(explain(err))); showAlbum(albumId); }
    } }) : null,
    owner ? el('button', { class: 'quiet', text: t('delete'), onclick: async () => {
      if (await confirmAction(t('confirmDeleteAlbum', { title: album.title }), t('delete'))) {
        await api('DELETE', `/albums/${albumId}`);
        location.hash = '#/albums';
      }
    } }) : null);
  page(album.title, actions, canAdd ? uploads.panel : null, empty, grid, sentinel);
  await list.loadMore();
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

function uploadPanel(albumId, onUploaded) {
  const input = el('input', { type: 'file', multiple: true, accept: 'image/*,video/*,.heic,.heif', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true' });
  const list = el('ul', { class: 'uploads', 'aria-live': 'polite' });
  const total = el('progress', { max: 1, value: 0, 'aria-label': 'total' });
  const totalText = el('span');
  const totals = el('div', { class: 'total', hidden: true }, totalText, total);
  const drop = el('div', { class: 'drop' }, el('p', { class: 'hint', text: t('dropHere') }), totals, list);
  const progress = { bytes: 0, sent: new Map(), count: 0, done: 0 };

  const refreshTotal = () => {
    const sent = [...progress.sent.values()].reduce((a, b) => a + b, 0);
    total.max = Math.max(progress.bytes, 1);
    total.value = sent;
    totalText.textContent = t('uploading', { done: progress.done, count: progress.count });
    totals.hidden = progress.count === 0;
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
    const key = `${file.name}-${file.size}-${file.lastModified}-${Math.random()}`;
    if (!resumeId) { progress.count += 1; progress.bytes += file.size; }
    state.activeUploads += 1;
    keepAwake();
    const bar = el('progress', { max: Math.max(file.size, 1), value: 0, 'aria-label': file.name });
    // Until the first byte leaves, the file is being checked (hashed; a long video takes a while).
    const status = el('span', { text: t('checking') });
    const row = el('li', {}, el('span', { text: file.name }), status, bar);
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
      } else {
        status.textContent = t('uploadDone');
      }
      progress.done += 1;
      onUploaded();
    } catch (err) {
      status.replaceChildren(el('span', { class: 'error', text: `${t('uploadFailed')}: ${explain(err)} ` }),
        el('button', { class: 'quiet', text: t('retry'), onclick: () => { row.remove(); send(file, err.uploadId); } }));
    } finally {
      state.activeUploads -= 1;
      keepAwake();
      refreshTotal();
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
  const button = el('button', { class: 'big', text: `＋ ${t('addPhotos')}`, onclick: () => { continuing = false; input.click(); } });
  return { button, panel: el('section', { 'aria-label': t('addPhotos') }, input, unfinished, drop) };
}

// ---------- sharing ----------

function shareAlbum(album) {
  const result = el('div', { 'aria-live': 'polite' });
  const role = el('select', { name: 'role', id: 'share-role' },
    el('option', { value: 'viewer', text: t('viewer') }), el('option', { value: 'contributor', text: t('contributor') }));
  const email = el('input', { name: 'email', type: 'email', autocomplete: 'off' });
  const dialog = el('dialog', { 'aria-label': t('shareTitle') },
    el('h2', { text: t('shareTitle') }),
    el('label', {}, t('role'), role),
    el('div', { class: 'actions' }, el('button', { text: t('makeLink'), onclick: async () => {
      try {
        const invite = await api('POST', '/invites', { album_id: album.id, role: role.value });
        const link = el('input', { value: invite.url, readonly: true, 'aria-label': 'invite link', id: 'invite-link' });
        result.replaceChildren(el('p', { class: 'hint', text: t('linkHint') }), link,
          el('button', { class: 'quiet', text: t('copy'), onclick: async () => {
            link.select();
            try { await navigator.clipboard.writeText(invite.url); } catch { document.execCommand('copy'); }
            toast(t('copied'));
          } }));
      } catch (err) { toast(explain(err)); }
    } })),
    result,
    el('h2', { text: t('addMember') }),
    el('label', {}, t('email'), email),
    el('div', { class: 'actions' },
      el('button', { class: 'quiet', text: t('add'), onclick: async () => {
        try {
          await api('POST', `/albums/${album.id}/members`, { email: email.value, role: role.value });
          toast(t('added'));
        } catch (err) { toast(Object.values(err.fields || {}).flat().join(' ') || explain(err)); }
      } }),
      el('button', { class: 'quiet', text: t('close'), onclick: () => dialog.close() })));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

// ---------- trash ----------

async function showTrash() {
  const { items } = await api('GET', '/trash?limit=200');
  const list = el('ul', { class: 'grid' });
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
  const empty = el('button', { class: 'danger', text: t('emptyTrash'), disabled: !items.length, onclick: async () => {
    if (!(await confirmAction(t('confirmEmpty'), t('emptyTrash')))) return;
    await api('DELETE', '/trash');
    showTrash();
    setTimeout(() => refreshMe().catch(() => {}), 1500);
  } });
  page(t('trash'), el('div', { class: 'actions' }, empty), items.length ? list : el('p', { text: t('trashEmpty') }));
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
    if (!(await confirmAction(t('confirmSignOutDevice', { device: session.device }), t('signOutDevice')))) return;
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
    if (!(await confirmAction(t('confirmSignOutOthers'), t('signOutOthers')))) return;
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
    if (!(await confirmAction(t('confirmUnlink', { provider: identity.label }), t('unlink'), { focusCancel: true }))) return;
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
    if (!(await confirmAction(t('confirmRemovePasskey', { name: passkey.name }), t('removePasskey'), { focusCancel: true }))) return;
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

async function route() {
  const invite = new URLSearchParams(location.search).get('invite');
  if (invite) return showRegister(invite);
  const [, view, id] = location.hash.split('/');
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
  try {
    if (view === 'album' && id) await showAlbum(id);
    else if (view === 'trash') await showTrash();
    else if (view === 'devices') await showDevices();
    else if (view === 'family') await showFamily(state.me);
    else if (view === 'welcome') await showWelcome();
    else if (view === 'news') await showNews(state.me);
    else if (view === 'search' && id) await showSearch(decodeURIComponent(id));
    else await showAlbums();
  } catch (err) {
    if (err.status === 401) return showSignIn();
    toast(explain(err));
  }
}

document.getElementById('lang').value = currentLanguage();
setLanguage(currentLanguage());
document.getElementById('lang').addEventListener('change', (event) => {
  setLanguage(event.target.value);
  if (state.me) refreshMe().catch(() => {});
  route();
});
document.getElementById('signout').addEventListener('click', async () => {
  await api('POST', '/auth/logout').catch(() => {});
  location.hash = '';
  showSignIn();
});
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
route();
