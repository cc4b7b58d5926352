// Draws the app's icons (web/icons/*.png) with Chromium from one SVG: a white photo (a frame,
// the sun, two hills) on picup's blue. "any" icons have rounded corners; the maskable one and
// Apple's fill the square, the picture inside the middle 60% (the safe zone of any mask).
// Run: cd web/tests && node make-icons.mjs

import { join } from 'node:path';
import { launchBrowser, repo } from './harness.js';

const BLUE = '#0b57d0';
function svg(size, { rounded, scale }) {
  const mark = `<g transform="translate(256 256) scale(${scale}) translate(-256 -256)" fill="none" stroke="#fff" stroke-width="30" stroke-linejoin="round" stroke-linecap="round">
    <rect x="86" y="116" width="340" height="280" rx="34"/>
    <circle cx="190" cy="208" r="34" fill="#fff" stroke="none"/>
    <path d="M100 372 L220 262 L300 334 L350 290 L420 356" />
  </g>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 512 512">
    <rect width="512" height="512" rx="${rounded ? 112 : 0}" fill="${BLUE}"/>${mark}</svg>`;
}

const icons = [
  ['icon-192.png', 192, { rounded: true, scale: 1 }],
  ['icon-512.png', 512, { rounded: true, scale: 1 }],
  ['icon-maskable-512.png', 512, { rounded: false, scale: 0.72 }],
  ['icon-maskable-192.png', 192, { rounded: false, scale: 0.72 }],
  ['apple-touch-icon.png', 180, { rounded: false, scale: 0.86 }],
];
const browser = await launchBrowser();
for (const [name, size, options] of icons) {
  const page = await browser.newPage({ viewport: { width: size, height: size } });
  await page.setContent(`<style>html,body{margin:0;background:transparent}</style>${svg(size, options)}`);
  await page.locator('svg').screenshot({ path: join(repo, 'web', 'icons', name), omitBackground: true });
  await page.close();
}
await browser.close();
