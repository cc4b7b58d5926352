// DOM helpers shared by the album's pages.

import { ApiError } from './api.js';
import { t } from './i18n.js';
import { thumbHashToDataURL } from '../vendor/thumbhash.js';

const main = document.getElementById('main');

export function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else if (name === 'text') element.textContent = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child != null && child !== false) element.append(child);
  return element;
}

/** An SVG icon (24x24, drawn with strokes) from path data; decorative. */
export function icon(...paths) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  for (const [name, value] of Object.entries({ 'aria-hidden': 'true', class: 'icon', width: '26', height: '26', viewBox: '0 0 24 24',
    fill: 'none', stroke: 'currentColor', 'stroke-width': '2.2', 'stroke-linecap': 'round', 'stroke-linejoin': 'round' })) {
    svg.setAttribute(name, value);
  }
  for (const d of paths) {
    const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
    path.setAttribute('d', d);
    svg.append(path);
  }
  return svg;
}

// ---------- the toast ----------

/**
 * Where a message is seen: the open modal dialog on top (the viewer, the share dialog), else the
 * page. A message put on the page under a modal dialog would be hidden by its dark backdrop.
 */
function toastHost() {
  const open = [...document.querySelectorAll('dialog[open]')];
  return open.length ? open[open.length - 1] : document.body;
}

// A dialog that closes hands its message back to what is under it (else it would go with it).
document.addEventListener('close', (event) => {
  const box = document.getElementById('toast');
  if (box && event.target instanceof HTMLDialogElement && event.target.contains(box)) toastHost().append(box);
}, true);

/**
 * A short message at the bottom of what she is looking at, for `duration` ms (5 s). With
 * `action` ({ label, run }) it has a button, such as Undo.
 */
export function toast(message, { action, duration = 5000 } = {}) {
  let box = document.getElementById('toast');
  if (!box) box = el('div', { id: 'toast', role: 'status', 'aria-live': 'polite' });
  const host = toastHost();
  if (box.parentElement !== host) host.append(box);
  clearTimeout(toast.timer);
  const clear = () => { box.replaceChildren(); };
  box.replaceChildren(message);
  if (action) {
    box.append(el('button', { type: 'button', class: 'toast-action', text: action.label, onclick: () => {
      clear();
      action.run();
    } }));
  }
  toast.timer = setTimeout(clear, duration);
}

// ---------- what went wrong, in her language ----------

const CODES = {
  offline: 'offline', invalid_credentials: 'wrongLogin', email_taken: 'emailTaken', rate_limited: 'tooManyTries',
  quota_exceeded: 'quotaExceeded', file_too_large: 'fileTooLarge', unsupported_type: 'unsupportedType',
  not_found: 'notFound', forbidden: 'notAllowedHere', unauthorized: 'signInAgain', not_in_trash: 'notInTrash',
  unavailable: 'serverTrouble', internal: 'serverTrouble', body_too_large: 'serverTrouble',
  simple_mode: 'simpleModeRefused',
};

/**
 * Whether the signed-in person uses simple mode (bigger text and buttons, nothing to delete or
 * rename): the page marks <body> with `simple` from GET /me.
 */
export function simpleMode() {
  return document.body.classList.contains('simple');
}

/** What the api said about each field, in her language where the field is one we know. */
const FIELDS = {
  email: 'badEmail', display_name: 'badName', title: 'badTitle', body: 'writeSomething', role: 'badRole',
};

/** The problems with the fields of a form the api refused (422), one sentence each. */
export function fieldProblems(err, known = {}) {
  return Object.entries(err.fields || {}).map(([field, messages]) => {
    if (known[field]) return typeof known[field] === 'function' ? known[field](messages) : t(known[field]);
    if (FIELDS[field]) return t(FIELDS[field]);
    return messages.join(' ');
  });
}

/**
 * What went wrong, in plain words in the page's language. `codes` names a better sentence for a
 * code where the page knows more (a refused invite is not any refusal).
 */
export function explain(err, codes = {}) {
  if (!(err instanceof ApiError)) return err?.message || String(err);
  if (codes[err.code]) return t(codes[err.code]);
  if (err.code === 'validation_failed') {
    const problems = fieldProblems(err);
    if (problems.length) return problems.join(' ');
  }
  if (CODES[err.code]) return t(CODES[err.code]);
  if (err.status >= 500) return t('serverTrouble');
  return err.message || String(err);
}

// ---------- pages ----------

/**
 * Shows a page: its title, then what is on it. A first child of class `head-tools` sits beside
 * the title. The page opens at its top, and the focus goes to it (for screen readers) without
 * scrolling or drawing a frame.
 */
export function page(title, ...children) {
  const parts = children.flat().filter((child) => child != null && child !== false);
  main.className = parts[0]?.classList?.contains('head-tools') ? 'with-tools' : '';
  main.replaceChildren(el('h1', { text: title }), ...parts);
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
  document.title = `${title} · picup`;
}

export function thumbhashBackground(element, hash) {
  if (!hash) return;
  try {
    const raw = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
    element.style.backgroundImage = `url(${thumbHashToDataURL(raw)})`;
  } catch { /* a placeholder is optional */ }
}

// ---------- dialogs and menus ----------

/**
 * A modal dialog with a form; resolves with the form's values, or null when cancelled. With
 * `focusCancel` the dialog opens on Cancel (Enter does no harm). With `danger` (what deletes or
 * cannot be undone) it opens on Cancel too, Cancel comes first and the button that does it is red.
 */
export function ask(title, fields, submitLabel, { focusCancel = false, danger = false, hint } = {}) {
  return new Promise((resolve) => {
    const cancel = el('button', { type: 'button', class: 'quiet', text: t('cancel'), autofocus: focusCancel || danger, onclick: () => dialog.close('cancel') });
    const submit = el('button', { type: 'submit', value: 'ok', class: danger ? 'danger' : null, text: submitLabel });
    const form = el('form', { method: 'dialog' },
      el('h2', { text: title }),
      hint ? el('p', { class: 'hint', text: hint }) : null,
      ...fields,
      el('div', { class: danger ? 'actions confirm' : 'actions' }, danger ? [cancel, submit] : [submit, cancel]));
    const dialog = el('dialog', { 'aria-label': title }, form);
    dialog.addEventListener('close', () => {
      const values = dialog.returnValue === 'ok' ? Object.fromEntries(new FormData(form)) : null;
      dialog.remove();
      resolve(values);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export function confirmAction(message, label, options) {
  return ask(message, [], label, options).then((values) => values !== null);
}

/**
 * A "More" button and the list of big buttons it opens and closes (a disclosure: Escape, a press
 * elsewhere or choosing one closes it). `items` are buttons or links; null ones are left out.
 * Returns the wrapper, or null when there is nothing to offer.
 */
export function moreMenu(items, { label = t('more'), className = '' } = {}) {
  const offered = items.filter(Boolean);
  if (!offered.length) return null;
  const id = `menu-${Math.random().toString(36).slice(2)}`;
  const list = el('div', { class: 'menu', id, hidden: true }, offered);
  const button = el('button', { type: 'button', class: 'quiet more', 'aria-expanded': 'false', 'aria-controls': id },
    el('span', { class: 'dots', 'aria-hidden': 'true', text: '⋯' }), el('span', { text: label }));
  const wrap = el('div', { class: `menu-wrap ${className}` }, button, list);
  const set = (open) => {
    list.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };
  button.addEventListener('click', () => set(list.hidden));
  list.addEventListener('click', (event) => { if (event.target.closest('button, a')) set(false); });
  wrap.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !list.hidden) {
      event.preventDefault();
      event.stopPropagation();
      set(false);
      button.focus();
    }
  });
  const outside = (event) => {
    if (!wrap.isConnected) document.removeEventListener('pointerdown', outside, true);
    else if (!list.hidden && !wrap.contains(event.target)) set(false);
  };
  document.addEventListener('pointerdown', outside, true);
  wrap.close = () => set(false);
  return wrap;
}

/**
 * Puts the tiles of `items` into `grid` in their order, keeping each tile whose item still
 * `looks(item)` the same (its image stays loaded; the scroll position and focus stay). `tiles` is
 * what the last call returned (a new Map at first); returns the tiles for the next call.
 */
export function patchGrid(grid, tiles, items, looks, tileFor) {
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
  return next;
}
