/* EarnVerdict service worker: the quiz, Pyodide and the engine work offline after one visit.
 *
 * One cache per build, named after the build id. Installing a new build fills a fresh cache and
 * activating it deletes every older one, so a deploy never mixes an old runtime or engine with
 * new pages. The build writes the configuration below.
 */
"use strict";

const CONFIG = /*@config@*/null;
const PRECACHED = new Set(CONFIG.precache.concat(CONFIG.runtime).map((path) => new URL(path, self.location.origin).href));

// On install the 12 MB runtime is fetched only to renew an older build's cache (a returning
// quiz visitor). A first visit copies it in later, when the quiz asks (see cacheRuntime), and a
// guide reader on a phone never downloads it.
async function hadRuntime() {
  for (const name of await caches.keys()) {
    if (!name.startsWith(CONFIG.cachePrefix)) continue;
    const cache = await caches.open(name);
    if (await cache.match(CONFIG.runtimeDir + "pyodide-lock.json")) return true;
  }
  return false;
}

// "no-cache" revalidates with the server: an unchanged file costs a 304, a changed one is
// fetched, and an old copy in the HTTP cache is never taken for this build's.
const fresh = (path) => new Request(path, { cache: "no-cache", priority: "low" });

async function precache() {
  const cache = await caches.open(CONFIG.cacheName);
  await cache.addAll(CONFIG.precache.map(fresh));
  if (!(await hadRuntime())) return;
  for (const path of CONFIG.runtime) await cache.add(fresh(path));
}

// The quiz page asks for this once its engine is ready. Its worker has just fetched these very
// files: through this worker's fetch handler, which keeps them, or, on
// a first visit, past it, keeping its own copies in the staging cache (quiz-worker.js). Those
// copies move here; the rest (the scripts the quiz worker imports) "force-cache" copies out of
// the browser's HTTP cache. Nothing goes over the network after the engine is ready, and the
// runtime is never downloaded twice while the engine starts.
async function cacheRuntime() {
  const cache = await caches.open(CONFIG.cacheName);
  const staging = (await caches.has(CONFIG.stagingCache)) ? await caches.open(CONFIG.stagingCache) : null;
  for (const path of CONFIG.runtime) {
    if (await cache.match(path)) continue;
    const copy = staging && (await staging.match(path));
    if (copy) await cache.put(path, copy);
    else await cache.add(new Request(path, { cache: "force-cache" }));
  }
  if (staging) await caches.delete(CONFIG.stagingCache);
}

self.addEventListener("message", (event) => {
  if (!event.data || event.data.type !== "cache-runtime") return;
  const reply = (message) => event.ports[0] && event.ports[0].postMessage(message);
  event.waitUntil(cacheRuntime().then(
    () => reply({ ok: true }),
    (error) => reply({ ok: false, error: String(error && error.message || error) })
  ));
});

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((names) => Promise.all(
      names
        .filter((name) => name.startsWith(CONFIG.cachePrefix) && name !== CONFIG.cacheName)
        .map((name) => caches.delete(name))
    )).then(() => self.clients.claim())
  );
});

function isOurs(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(CONFIG.basePath);
}

async function cacheFirst(request, options) {
  const cache = await caches.open(CONFIG.cacheName);
  const hit = await cache.match(request, options);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === "basic") cache.put(request, response.clone());
  return response;
}

// Pages and anything not precached: fresh when online, the last copy read when offline.
async function networkFirst(request) {
  const cache = await caches.open(CONFIG.cacheName);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request, { ignoreSearch: true });
    if (hit) return hit;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (!isOurs(url) || url.pathname === CONFIG.basePath + "sw.js") return;
  url.hash = "";
  // The search index belongs to this build like the runtime: a chunk read once is kept, so
  // searches that need only chunks already fetched work offline. Pagefind asks for its entry
  // file with a timestamp against stale HTTP caches, which this build's cache cannot be.
  const search = url.pathname.startsWith(CONFIG.searchDir);
  const precached = PRECACHED.has(url.href) || url.pathname.startsWith(CONFIG.runtimeDir) || search;
  event.respondWith(precached && request.mode !== "navigate" ? cacheFirst(request, { ignoreSearch: search }) : networkFirst(request));
});
