// What an album's first screen does without (#19 goal 5): the viewer (with its likes and
// comments), the slideshow, the family page and the share-link dialog are each asked for the
// first time they are used, so a phone fetches five fewer files before her photos. The service
// worker keeps them for offline all the same. Each is called as its module's own function; when
// it cannot be fetched she is told to check the connection, and nothing opens.

import { toast } from './dom.js';
import { t } from './i18n.js';

/** The module, or null (and she is told) when it could not be fetched. */
async function load(module) {
  try {
    return await module();
  } catch {
    toast(t('offline'));
    return null;
  }
}

/** `openViewer` of viewer.js. */
export async function openViewer(...args) {
  (await load(() => import('./viewer.js')))?.openViewer(...args);
}

/** `startSlideshow` of slideshow.js: resolves to what it returns, or null. */
export async function startSlideshow(...args) {
  return (await load(() => import('./slideshow.js')))?.startSlideshow(...args) ?? null;
}

/** `showFamily` of family.js. */
export async function showFamily(...args) {
  await (await load(() => import('./family.js')))?.showFamily(...args);
}

/** `openLinkDialog` of share-links.js. */
export async function openLinkDialog(...args) {
  (await load(() => import('./share-links.js')))?.openLinkDialog(...args);
}
