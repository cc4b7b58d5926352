// The album's first requests, started while its modules are still on their way (#19): on a
// phone's network, asking for who is signed in, then the album, then its first page, each only
// after the one before and after every module had arrived, cost several round trips before the
// first photo. api.js takes these answers instead of asking again (takeEarly). A classic script
// at the top of index.html: it is tiny, and while it is on its way the browser already fetches
// the style sheet and modules it finds further down.
(() => {
  const started = new Map();
  const ask = (path) => started.set(path, fetch(`/api/v1${path}`, {
    credentials: 'same-origin',
    headers: { 'X-Requested-With': 'picup' },
  }));
  if (location.pathname.startsWith('/s/') || new URLSearchParams(location.search).has('invite')) return;
  ask('/me');
  // The same path (and page size) album-items.js asks for first.
  const album = /^#\/album\/([^/?]+)$/.exec(location.hash);
  if (album) {
    ask(`/albums/${album[1]}`);
    ask(`/albums/${album[1]}/media?limit=60`);
  }
  window.picupEarly = started;
})();
