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
  form.innerHTML = '<input type="search" id="site-search" name="q" class="search-box" placeholder="Search guides" aria-label="Search guides" autocomplete="off">';
  // Nothing of the search loads until the field is focused; then the results page is fetched ahead.
  form.firstChild.addEventListener("focus", () => {
    const hint = document.createElement("link");
    hint.rel = "prefetch";
    hint.href = form.action;
    document.head.append(hint);
  }, { once: true });
  link.replaceWith(form);
})();
