// The full-screen viewer: one photo or video at a time, with likes and comments beside it.

import { api } from './api.js';
import { confirmAction, el, explain, toast } from './dom.js';
import { date, t } from './i18n.js';
import { socialPanel } from './social.js';

export function openViewer(items, start, onChange) {
  const viewable = items.filter((item) => item.status === 'ready');
  let index = Math.max(0, viewable.indexOf(items[start]));
  const stage = el('div', { class: 'stage' });
  const caption = el('p', { class: 'caption', 'aria-live': 'polite' });
  const download = el('a', { class: 'button quiet', text: t('download'), target: '_blank', rel: 'noopener' });
  const social = socialPanel();
  const dialog = el('dialog', { class: 'viewer', 'aria-label': 'viewer' },
    stage, caption, social.panel,
    el('button', { class: 'close quiet', 'aria-label': t('close'), text: '✕', onclick: () => dialog.close() }),
    el('div', { class: 'controls' },
      el('button', { class: 'quiet', text: `‹ ${t('previous')}`, onclick: () => show(index - 1) }),
      el('button', { class: 'quiet', text: `${t('next')} ›`, onclick: () => show(index + 1) }),
      social.likeButton,
      social.commentsButton,
      download,
      el('button', { class: 'danger', text: t('delete'), onclick: async () => {
        const item = viewable[index];
        if (!(await confirmAction(t('confirmDelete'), t('delete')))) return;
        try {
          await api('DELETE', `/media/${item.id}`);
          dialog.close();
          onChange();
        } catch (err) { toast(explain(err)); }
      } })));

  function show(next) {
    if (!viewable.length) return;
    index = (next + viewable.length) % viewable.length;
    const item = viewable[index];
    const media = item.kind === 'video'
      ? el('video', { src: item.urls.playable || item.urls.original, controls: true, playsinline: true, poster: item.urls.preview, 'aria-label': item.filename })
      : el('img', { src: item.urls.preview || item.urls.original, alt: item.filename });
    stage.replaceChildren(media);
    if (item.live) stage.append(livePlayer(media, item));
    caption.textContent = `${index + 1} / ${viewable.length} · ${item.filename} · ${t('takenOn', { date: date(item.taken_at) })}`;
    download.href = item.urls.original;
    social.show(item);
  }

  /**
   * A Live Photo or motion photo: one big button plays its moment over the still, once, with
   * sound off (as phones do), and the still comes back when it ends.
   */
  function livePlayer(still, item) {
    const button = el('button', { class: 'live-play', text: `▶ ${t('live')}`, 'aria-label': t('playLive') });
    button.addEventListener('click', () => {
      const video = el('video', { src: item.live.video_url, autoplay: true, muted: true, playsinline: true, 'aria-label': `${item.filename}: ${t('playLive')}` });
      video.muted = true;
      const back = () => { if (video.isConnected) video.replaceWith(still); button.hidden = false; };
      video.addEventListener('ended', back);
      video.addEventListener('error', back);
      button.hidden = true;
      still.replaceWith(video);
    });
    return button;
  }

  let touchX = null;
  stage.addEventListener('touchstart', (event) => { touchX = event.touches[0].clientX; }, { passive: true });
  stage.addEventListener('touchend', (event) => {
    if (touchX === null) return;
    const dx = event.changedTouches[0].clientX - touchX;
    if (Math.abs(dx) > 50) show(index + (dx < 0 ? 1 : -1));
    touchX = null;
  });
  dialog.addEventListener('keydown', (event) => {
    if (event.target.closest('textarea, input')) return;
    if (event.key === 'ArrowRight') show(index + 1);
    if (event.key === 'ArrowLeft') show(index - 1);
  });
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
  show(index);
}
