/* EarnVerdict service worker: the quiz, Pyodide and the engine work offline after one visit.
 *
 * One cache per build, named after the build id. Installing a new build fills a fresh cache and
 * activating it deletes every older one, so a deploy never mixes an old runtime or engine with
 * new pages. The build writes the configuration below.
 */
"use strict";

const CONFIG = /*@config@*/null;
const PRECACHED = new Set(CONFIG.precache.concat(CONFIG.runtime).map((path) => new URL(path, self.location.origin).href));

// The 12 MB runtime is fetched on install only for visitors of the quiz: one is open now, or
// an older build's cache holds it. A guide reader gets it later, if ever, when the quiz loads it.
async function wantsRuntime() {
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  if (windows.some((client) => new URL(client.url).pathname.startsWith(CONFIG.quizPath))) return true;
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
  if (!(await wantsRuntime())) return;
  // One file at a time: the quiz's own worker is fetching and compiling the same files right
  // now, and the browser answers these from what it has just downloaded.
  for (const path of CONFIG.runtime) await cache.add(fresh(path));
}

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

async function cacheFirst(request) {
  const cache = await caches.open(CONFIG.cacheName);
  const hit = await cache.match(request);
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
  const precached = PRECACHED.has(url.href) || url.pathname.startsWith(CONFIG.runtimeDir);
  event.respondWith(precached && request.mode !== "navigate" ? cacheFirst(request) : networkFirst(request));
});
