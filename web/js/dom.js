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
  for (const child of children.flat()) if (child != null) element.append(child);
  return element;
}

export function toast(message) {
  const box = document.getElementById('toast');
  box.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.textContent = ''; }, 5000);
}

export function explain(err) {
  if (err instanceof ApiError && err.code === 'offline') return t('offline');
  return err.message || String(err);
}

export function page(title, ...children) {
  main.replaceChildren(el('h1', { text: title }), ...children);
  main.focus();
  document.title = `${title} · picup`;
}

export function thumbhashBackground(element, hash) {
  if (!hash) return;
  try {
    const raw = Uint8Array.from(atob(hash), (c) => c.charCodeAt(0));
    element.style.backgroundImage = `url(${thumbHashToDataURL(raw)})`;
  } catch { /* a placeholder is optional */ }
}

/**
 * A modal dialog with a form; resolves with the form's values, or null when cancelled. With
 * `focusCancel` the dialog opens on Cancel (for what cannot be undone: Enter does no harm).
 */
export function ask(title, fields, submitLabel, { focusCancel = false } = {}) {
  return new Promise((resolve) => {
    const form = el('form', { method: 'dialog' },
      el('h2', { text: title }),
      ...fields,
      el('div', { class: 'actions' },
        el('button', { type: 'submit', value: 'ok', text: submitLabel }),
        el('button', { type: 'button', class: 'quiet', text: t('cancel'), autofocus: focusCancel, onclick: () => dialog.close('cancel') })));
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
