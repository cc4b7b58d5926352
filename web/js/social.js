// Likes and comments beside a photo in the viewer. Comments are always put on the page as text
// (textContent), never as HTML.

import { api } from './api.js';
import { el, explain, toast } from './dom.js';
import { date, t } from './i18n.js';

export function socialPanel() {
  let item = null;
  const likeButton = el('button', { class: 'quiet like', 'aria-pressed': 'false' });
  const commentsButton = el('button', { class: 'quiet', 'aria-expanded': 'false' });
  const list = el('ol', { class: 'comments', 'aria-label': t('comments') });
  const input = el('textarea', { name: 'body', rows: 2, maxlength: 2000, required: true, 'aria-label': t('writeComment'), placeholder: t('writeComment') });
  const form = el('form', { class: 'comment-form', onsubmit: async (event) => {
    event.preventDefault();
    try {
      const comment = await api('POST', `/media/${item.id}/comments`, { body: input.value });
      input.value = '';
      item.comment_count += 1;
      list.append(commentRow(comment));
      render();
    } catch (err) { toast(Object.values(err.fields || {}).flat().join(' ') || explain(err)); }
  } }, input, el('button', { type: 'submit', text: t('send') }));
  const panel = el('aside', { class: 'social', hidden: true, 'aria-label': t('comments') }, list, form);

  const render = () => {
    likeButton.textContent = `${item.liked ? '♥' : '♡'} ${t('likes', { n: item.like_count })}`;
    likeButton.setAttribute('aria-pressed', String(item.liked));
    likeButton.setAttribute('aria-label', `${t('like')}, ${t('likes', { n: item.like_count })}`);
    commentsButton.textContent = t('commentCount', { n: item.comment_count });
  };

  const commentRow = (comment) => {
    const row = el('li', {},
      el('strong', { text: comment.author_name }), ' ',
      el('span', { class: 'hint', text: date(comment.created_at) }),
      el('p', { class: 'comment-body', text: comment.body }));
    return row;
  };

  const loadComments = async () => {
    const { items } = await api('GET', `/media/${item.id}/comments?limit=200`);
    list.replaceChildren(...items.map(commentRow));
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
  commentsButton.addEventListener('click', async () => {
    panel.hidden = !panel.hidden;
    commentsButton.setAttribute('aria-expanded', String(!panel.hidden));
    if (!panel.hidden) {
      await loadComments().catch((err) => toast(explain(err)));
      input.focus();
    }
  });

  return {
    likeButton,
    commentsButton,
    panel,
    show(next) {
      item = next;
      render();
      if (!panel.hidden) loadComments().catch((err) => toast(explain(err)));
    },
  };
}
