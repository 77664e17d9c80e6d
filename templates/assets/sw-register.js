/* Registers the site's service worker (offline quiz and guides). The only script a guide loads.
 * The site root comes from this tag's data-base attribute, or else from this file's own URL,
 * which lives one folder below the site root (<base>/<assets>/sw-register.<hash>.js). */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) return;
  const script = document.currentScript;
  if (!script) return;
  const base = script.dataset.base
    ? new URL(script.dataset.base, location.href)
    : new URL("../", script.src);
  const register = () => {
    navigator.serviceWorker.register(new URL("sw.js", base).pathname, { scope: base.pathname })
      .catch(() => { /* offline support is a bonus; the page works without it */ });
  };
  // A guide registers after load, so filling the cache never competes with the page itself.
  // The quiz registers once its engine has started (or failed to), for the same reason: a
  // service worker starting, and installing, while Pyodide downloads and compiles slows the
  // engine's start; quiz.js then asks it to keep the runtime the worker just loaded.
  const whenParsed = () => {
    if (document.getElementById("quiz-app")) window.addEventListener("earnverdict:engine-settled", register, { once: true });
    else if (document.readyState === "complete") register();
    else window.addEventListener("load", register, { once: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenParsed, { once: true });
  else whenParsed();
})();
