// Hashes a file with SHA-256 as it reads it, a few MB at a time, off the page's thread: a 4 GB
// video neither freezes the page nor is held in memory. In: a File. Out: {read} as it goes, then
// {sha256} (hex) or {error}.
/* global importScripts */
importScripts('../vendor/sha256.js');

const CHUNK = 8 * 1024 * 1024;

self.onmessage = async ({ data: file }) => {
  try {
    const hash = self.sha256.create();
    for (let offset = 0; offset < file.size; offset += CHUNK) {
      hash.update(await file.slice(offset, offset + CHUNK).arrayBuffer());
      self.postMessage({ read: Math.min(offset + CHUNK, file.size) });
    }
    self.postMessage({ sha256: hash.hex() });
  } catch (err) {
    self.postMessage({ error: String(err) });
  }
};
