/* Turns the header's link to the guides into a search field for the search page. */
(function () {
  "use strict";
  const link = document.querySelector("a.search-box[data-search]");
  if (!link) return;
  const form = document.createElement("form");
  form.className = "search-box-form";
  form.action = link.dataset.search;
  form.setAttribute("role", "search");
  form.setAttribute("aria-label", "Site search");
  form.innerHTML = '<label class="visually-hidden" for="site-search">Search guides</label>' +
    '<input type="search" id="site-search" name="q" class="search-box" placeholder="Search guides" autocomplete="off">';
  // Nothing of the search loads before the reader shows interest; then the page is fetched ahead.
  form.lastChild.addEventListener("focus", () => {
    const hint = document.createElement("link");
    hint.rel = "prefetch";
    hint.href = form.action;
    document.head.append(hint);
  }, { once: true });
  link.replaceWith(form);
})();
