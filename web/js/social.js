// Likes and comments in the viewer. The comments open in a sheet over the lower half of the
// screen (beside the photo on a wide screen), with a title and a big button that closes it; the
// photo stays in view above it. Comments are always put on the page as text (textContent),
// never as HTML.

import { api } from './api.js';
import { el, explain, fieldProblems, icon, toast } from './dom.js';
import { date, t } from './i18n.js';

/** `onToggle(open)` is told when the comments open or close. */
export function socialPanel({ onToggle = () => {} } = {}) {
  let item = null;
  const likeButton = el('button', { type: 'button', class: 'quiet like', 'aria-pressed': 'false' });
  const commentsButton = el('button', { type: 'button', class: 'quiet comments-button', 'aria-expanded': 'false', 'aria-controls': 'comments-sheet' });
  const list = el('ol', { class: 'comments', 'aria-label': t('comments') });
  const none = el('p', { class: 'hint', text: t('noComments'), hidden: true });
  const input = el('textarea', { name: 'body', rows: 2, maxlength: 2000, required: true, 'aria-label': t('writeComment'), placeholder: t('writeComment') });
  const form = el('form', { class: 'comment-form', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const comment = await api('POST', `/media/${item.id}/comments`, { body: input.value });
      input.value = '';
      item.comment_count += 1;
      list.append(commentRow(comment));
      none.hidden = true;
      render();
    } catch (err) { toast(err.code === 'validation_failed' ? fieldProblems(err).join(' ') : explain(err)); }
  } }, input, el('button', { type: 'submit', class: 'big', text: t('send') }));
  const title = el('h2', { id: 'comments-title', tabindex: '-1', text: t('comments') });
  const hide = el('button', { type: 'button', class: 'big quiet hide-comments', onclick: () => set(false) },
    el('span', { 'aria-hidden': 'true', text: '✕' }), el('span', { text: t('hideComments') }));
  const panel = el('section', { id: 'comments-sheet', class: 'social sheet', hidden: true, 'aria-labelledby': 'comments-title' },
    el('div', { class: 'sheet-head' }, title, hide),
    el('div', { class: 'sheet-body' }, none, list, form));

  const render = () => {
    likeButton.replaceChildren(el('span', { class: 'heart', 'aria-hidden': 'true', text: item.liked ? '♥' : '♡' }), el('span', { text: t('likes', { n: item.like_count }) }));
    likeButton.setAttribute('aria-pressed', String(item.liked));
    likeButton.setAttribute('aria-label', `${t('like')}, ${t('likes', { n: item.like_count })}`);
    commentsButton.replaceChildren(icon('M4 4h16v12H10l-6 4z'), el('span', { text: t('commentCount', { n: item.comment_count }) }));
  };

  const commentRow = (comment) => el('li', {},
    el('strong', { text: comment.author_name }), ' ',
    el('span', { class: 'hint', text: date(comment.created_at) }),
    el('p', { class: 'comment-body', text: comment.body }));

  const loadComments = async () => {
    const { items } = await api('GET', `/media/${item.id}/comments?limit=200`);
    list.replaceChildren(...items.map(commentRow));
    none.hidden = items.length > 0;
  };

  const set = async (open) => {
    panel.hidden = !open;
    commentsButton.setAttribute('aria-expanded', String(open));
    onToggle(open);
    if (!open) {
      commentsButton.focus();
      return;
    }
    // The title takes the focus (a phone's keyboard would cover the comments otherwise).
    title.focus({ preventScroll: true });
    await loadComments().catch((err) => toast(explain(err)));
  };

  likeButton.addEventListener('click', async () => {
    const liked = !item.liked;
    try {
      const result = await api(liked ? 'PUT' : 'DELETE', `/media/${item.id}/like`);
      item.liked = result.liked;
      item.like_count = result.like_count;
      render();
    } catch (err) { toast(explain(err)); }
  });
  commentsButton.addEventListener('click', () => set(panel.hidden));

  return {
    likeButton,
    commentsButton,
    panel,
    open: () => set(true),
    close: () => set(false),
    isOpen: () => !panel.hidden,
    show(next) {
      item = next;
      render();
      if (!panel.hidden) loadComments().catch((err) => toast(explain(err)));
    },
  };
}
