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
  // The quiz registers at once, so its page and assets are cached early; the quiz asks the
  // service worker to keep the runtime once its engine is ready (quiz.js).
  const whenParsed = () => {
    if (document.getElementById("quiz-app")) register();
    else if (document.readyState === "complete") register();
    else window.addEventListener("load", register, { once: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", whenParsed, { once: true });
  else whenParsed();
})();
