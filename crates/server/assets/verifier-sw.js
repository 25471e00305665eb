// The officer's verifier as an installable offline app: this service worker keeps the page and
// its scripts (the SM2/SM3 code, the in-page verifier, the QR decoder) so /verifier opens with no
// network. They are served from the cache first and refreshed from the network in the background
// whenever it answers, so a new release is in use from the next load.
//
// Served as /verifier-sw.js (scope /) but it answers only for the files below: nothing else the
// service does (the wallet, the API under /v1/) is touched. API responses are never cached here;
// the page keeps the trust bundle itself (localStorage), with the pinned root it was opened with.
'use strict';
const CACHE = 'yx-verifier-v1';
const FILES = [
  '/verifier',
  '/verifier.webmanifest',
  '/assets/i18n.js',
  '/assets/sm.js',
  '/assets/present.js',
  '/assets/jsQR.js',
  '/assets/qrcode.js',
  '/assets/verifier.js',
  '/assets/app.css',
  '/assets/icon.svg',
];

self.addEventListener('install', (e) => {
  e.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    // Bypass the HTTP cache: the copies kept are what the service serves now.
    await cache.addAll(FILES.map((f) => new Request(f, { cache: 'reload' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (e) => {
  e.waitUntil((async () => {
    for (const k of await caches.keys()) if (k !== CACHE) await caches.delete(k);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || !FILES.includes(url.pathname)) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const key = url.pathname; // one copy a file, whatever the query string
    const cached = await cache.match(key);
    const refresh = fetch(new Request(key, { cache: 'no-cache', credentials: 'same-origin' }))
      .then(async (r) => {
        if (r.ok && r.type === 'basic') await cache.put(key, r.clone());
        return r;
      });
    if (cached) {
      // Cache first; the network copy, when it comes, is for the next load.
      e.waitUntil(refresh.catch(() => {}));
      return cached;
    }
    return refresh;
  })());
});
