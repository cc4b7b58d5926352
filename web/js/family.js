// The admin's family page (#/family): the family's members, a one-time sign-in link (with its QR
// code) for one who cannot get in, and the list of every link made and what became of it.

import { api } from './api.js';
import { confirmAction, el, explain, page } from './dom.js';
import { dateTime, t } from './i18n.js';

/** Standard base64 of a text's UTF-8 bytes (for a data: URL). */
function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

const STATUS = {
  active: (link) => t('linkActive', { when: dateTime(link.expires_at) }),
  used: (link) => t('linkUsed', { when: dateTime(link.used_at) }),
  expired: () => t('linkExpired'),
  revoked: (link) => t('linkRevoked', { when: dateTime(link.revoked_at) }),
};

export async function showFamily(me) {
  if (!me.is_admin) {
    location.hash = '#/albums';
    return;
  }
  const { items: people } = await api('GET', '/admin/users');
  const links = el('ul', { class: 'devices links' });
  const noLinks = el('p', { text: t('noLinks') });
  const status = el('p', { class: 'success', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert' });
  const say = (message, problem) => {
    status.textContent = message || '';
    error.textContent = problem || '';
  };

  const revoke = async (link) => {
    say();
    if (!(await confirmAction(t('confirmRevokeLink', { name: link.user.display_name }), t('revokeLink'), { danger: true }))) return;
    try {
      await api('DELETE', `/admin/sign-in-links/${link.id}`);
      await fillLinks();
      say(t('linkStopped'));
    } catch (err) { say('', explain(err)); }
  };

  const fillLinks = async () => {
    const { items } = await api('GET', '/admin/sign-in-links');
    links.replaceChildren(...items.map((link) => el('li', { class: `link-${link.status}` },
      el('div', {},
        el('strong', { text: link.user.display_name }),
        el('p', { text: t('linkMadeBy', { by: link.created_by, when: dateTime(link.created_at) }) }),
        el('p', { class: 'link-status', text: (STATUS[link.status] || (() => link.status))(link) })),
      link.status === 'active'
        ? el('button', { class: 'quiet', text: t('revokeLink'), 'aria-label': `${t('revokeLink')}: ${link.user.display_name}`, onclick: () => revoke(link) })
        : null)));
    links.hidden = items.length === 0;
    noLinks.hidden = items.length > 0;
  };

  const makeLink = async (person) => {
    say();
    let link;
    try {
      link = await api('POST', `/admin/users/${person.id}/sign-in-links`);
    } catch (err) {
      say('', Object.values(err.fields || {}).flat().join(' ') || explain(err));
      return;
    }
    showLinkDialog(person, link, () => fillLinks().catch((err) => say('', explain(err))));
  };

  // Simple mode (#20) for a family member who only looks; they can turn it off in their Settings.
  const simpleSwitch = (person) => {
    const input = el('input', { type: 'checkbox', role: 'switch', checked: Boolean(person.simple_mode),
      'aria-label': t('simpleModeFor', { name: person.display_name }), onchange: async () => {
        say();
        input.disabled = true;
        try {
          const updated = await api('PUT', `/admin/users/${person.id}/simple-mode`, { on: input.checked });
          input.checked = Boolean(updated.simple_mode);
          say(`${person.display_name}: ${t(input.checked ? 'simpleModeOn' : 'simpleModeOff')}`);
        } catch (err) {
          input.checked = !input.checked;
          say('', explain(err));
        } finally {
          input.disabled = false;
        }
      } });
    return el('label', { class: 'check switch' }, input, el('span', { 'aria-hidden': 'true', text: t('simpleModeShort') }));
  };

  const members = el('ul', { class: 'devices family' }, people.map((person) => el('li', {},
    el('div', {},
      el('strong', { text: person.display_name }),
      person.id === me.id ? el('span', { class: 'this-device', text: t('you') }) : null,
      el('p', { class: 'email', text: person.email }),
      person.id === me.id ? null : simpleSwitch(person)),
    person.id === me.id ? null
      : el('button', { class: 'quiet', text: t('signInLink'), 'aria-label': t('signInLinkFor', { name: person.display_name }), onclick: () => makeLink(person) }))));

  await fillLinks();
  page(t('familyTitle'), el('p', { text: t('familyHelp') }), el('p', { class: 'hint', text: t('simpleModeFamilyHint') }), members, status, error,
    el('h2', { text: t('linksTitle') }), noLinks, links);
}

/** The link just made, shown once: its QR code to scan, the link to copy, until when it works. */
function showLinkDialog(person, link, onClose) {
  const name = person.display_name;
  const title = t('signInLinkFor', { name });
  const url = el('input', { value: link.url, readonly: true, 'aria-label': t('signInLinkLabel'), id: 'sign-in-link' });
  const copied = el('span', { class: 'success', role: 'status' });
  const dialog = el('dialog', { 'aria-label': title, class: 'link-dialog' },
    el('h2', { text: title }),
    el('p', { text: t('linkDialogHint', { name }) }),
    // The server's SVG, as an image: the page's policy allows data: images, not markup from elsewhere.
    el('img', { class: 'qr', src: `data:image/svg+xml;base64,${base64(link.qr_svg)}`, alt: t('qrAlt', { name }) }),
    el('div', { class: 'copy-row' }, url,
      el('button', { class: 'quiet', text: t('copy'), autofocus: true, onclick: async () => {
        url.select();
        try { await navigator.clipboard.writeText(link.url); } catch { document.execCommand('copy'); }
        copied.textContent = t('copied');
      } })),
    copied,
    el('p', { class: 'hint', text: t('linkValidUntil', { when: dateTime(link.expires_at) }) }),
    el('div', { class: 'actions' }, el('button', { class: 'big', text: t('close'), onclick: () => dialog.close() })));
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose();
  });
  document.body.append(dialog);
  dialog.showModal();
}
