// "Share with a link": the album's owner makes a link that opens the album, to look only, for
// relatives without an account (how long it works, a password if she wants one, whether they may
// download), copies it or hands it to the phone's share sheet, and sees and stops the links made.

import { api } from './api.js';
import { confirmAction, el, explain, fieldProblems } from './dom.js';
import { date, t } from './i18n.js';

/** How long a new link works: its end from now, or null for until she stops it. */
const DURATIONS = [
  { value: 'never', label: 'linkForever', end: () => null },
  { value: 'week', label: 'linkWeek', end: (now) => new Date(now.getTime() + 7 * 86_400_000) },
  { value: 'month', label: 'linkMonth', end: (now) => { const end = new Date(now); end.setMonth(end.getMonth() + 1); return end; } },
];

/** The dialog: make a link, show it with Copy (and Share where the phone has it), list the links. */
export function openLinkDialog(album) {
  const result = el('div', { class: 'link-result', 'aria-live': 'polite' });
  const problem = el('p', { class: 'error', role: 'alert' });
  const said = el('p', { class: 'success', role: 'status' });
  const say = (message, trouble) => {
    said.textContent = message || '';
    problem.textContent = trouble || '';
  };
  const durations = el('fieldset', { class: 'choices-row' }, el('legend', { text: t('linkHowLong') }),
    DURATIONS.map((duration, i) => el('label', { class: 'check' },
      el('input', { type: 'radio', name: 'duration', value: duration.value, checked: i === 0 }), t(duration.label))));
  const allowDownload = el('input', { type: 'checkbox', name: 'allow_download' });
  const password = el('input', { id: 'link-password', name: 'password', type: 'text', autocomplete: 'off', maxlength: 256,
    'aria-describedby': 'link-password-hint' });
  const list = el('ul', { class: 'devices share-links' });
  const none = el('p', { class: 'hint', text: t('noShareLinks') });

  const make = el('button', { type: 'submit', class: 'big', text: t('makeShareLink') });
  const form = el('form', { onsubmit: async (event) => {
    event.preventDefault();
    say();
    const chosen = DURATIONS.find((duration) => duration.value === new FormData(form).get('duration')) || DURATIONS[0];
    const end = chosen.end(new Date());
    make.disabled = true;
    try {
      const link = await api('POST', `/albums/${album.id}/links`, {
        expires_at: end ? end.toISOString() : undefined,
        password: password.value.trim() || undefined,
        allow_download: allowDownload.checked,
      });
      showMade(link);
      password.value = '';
      await fill();
    } catch (err) {
      say('', err.code === 'validation_failed' ? fieldProblems(err, { password: 'linkPasswordProblem', expires_at: 'linkEndProblem' }).join(' ') : explain(err));
    } finally {
      make.disabled = false;
    }
  } },
  durations,
  el('label', { class: 'check' }, allowDownload, t('linkAllowDownload')),
  el('label', { for: 'link-password', text: t('linkPassword') }), password,
  el('p', { id: 'link-password-hint', class: 'hint', text: t('linkPasswordHint') }),
  el('div', { class: 'actions' }, make));

  /** The link just made: the address, Copy, and the phone's own Share when it has one. */
  const showMade = (link) => {
    const field = el('input', { value: link.url, readonly: true, 'aria-label': t('shareLinkLabel'), id: 'share-link-url' });
    const copied = el('span', { class: 'success copied', role: 'status' });
    const copy = el('button', { type: 'button', class: 'quiet', text: t('copy'), onclick: async () => {
      field.select();
      try { await navigator.clipboard.writeText(link.url); } catch { document.execCommand('copy'); }
      copied.textContent = t('copied');
    } });
    const share = navigator.share ? el('button', { type: 'button', class: 'quiet', text: t('shareSheet'), onclick: async () => {
      try {
        await navigator.share({ title: album.title, text: t('shareSheetText', { title: album.title }), url: link.url });
      } catch { /* she closed the share sheet */ }
    } }) : null;
    // "Copied!" right under Copy, where she is looking; the phone's own Share under that.
    result.replaceChildren(el('p', { class: 'hint', text: t('shareLinkMade') }),
      el('div', { class: 'copy-row' }, field, copy), copied, share ? el('div', { class: 'actions' }, share) : null);
    field.focus();
    field.select();
  };

  const revoke = async (link) => {
    say();
    if (!(await confirmAction(t('confirmRevokeShareLink'), t('revokeShareLink'), { danger: true }))) return;
    try {
      await api('DELETE', `/links/${link.id}`);
      await fill();
      say(t('shareLinkStopped'));
    } catch (err) { say('', explain(err)); }
  };

  const status = (link) => {
    if (link.status === 'revoked') return t('shareLinkRevoked');
    if (link.status === 'expired') return t('shareLinkExpired');
    return link.expires_at ? t('shareLinkUntil', { date: date(link.expires_at) }) : t('shareLinkNoEnd');
  };
  const fill = async () => {
    const { items } = await api('GET', `/albums/${album.id}/links`);
    // The links that still open come first; stopped and ended ones after, without a button.
    const sorted = [...items].sort((a, b) => (a.status === 'active' ? 0 : 1) - (b.status === 'active' ? 0 : 1)
      || b.created_at.localeCompare(a.created_at));
    list.replaceChildren(...sorted.map((link) => el('li', { class: link.status === 'active' ? 'link-active' : 'link-ended' },
      el('div', {},
        el('strong', { text: t('shareLinkMadeOn', { date: date(link.created_at) }) }),
        el('p', { class: 'link-status', text: status(link) }),
        el('p', { text: `${link.has_password ? t('withPassword') : t('noPassword')} · ${link.allow_download ? t('downloadsAllowed') : t('downloadsNotAllowed')}` })),
      link.status === 'active' ? el('button', { type: 'button', class: 'quiet danger-text', text: t('revokeShareLink'),
        'aria-label': `${t('revokeShareLink')}: ${t('shareLinkMadeOn', { date: date(link.created_at) })}`, onclick: () => revoke(link) }) : null)));
    list.hidden = items.length === 0;
    none.hidden = items.length > 0;
  };

  const dialog = el('dialog', { 'aria-label': t('shareLinkTitle'), class: 'share-dialog share-link-dialog' },
    el('h2', { text: t('shareLinkTitle') }),
    el('p', { class: 'hint', text: t('shareLinkHelp') }),
    form, result, said, problem,
    el('h3', { text: t('shareLinksMade') }), none, list,
    el('div', { class: 'actions' }, el('button', { type: 'button', class: 'big quiet', text: t('close'), onclick: () => dialog.close() })));
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  fill().catch((err) => say('', explain(err)));
  return dialog;
}
