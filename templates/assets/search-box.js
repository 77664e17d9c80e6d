/* The header's search box. The page ships a link to the guide index (all a reader without
 * JavaScript gets); this turns it into a search field whose results open on the search page.
 * Nothing of the search itself loads until the field is focused. */
(function () {
  "use strict";
  const link = document.querySelector("a.search-box[data-search]");
  if (!link) return;
  const form = document.createElement("form");
  form.className = "search-box-form";
  form.setAttribute("role", "search");
  form.setAttribute("aria-label", "Site search");
  form.action = link.dataset.search;
  form.method = "get";
  const label = document.createElement("label");
  label.className = "visually-hidden";
  label.htmlFor = "site-search";
  label.textContent = "Search guides";
  const input = document.createElement("input");
  Object.assign(input, { type: "search", id: "site-search", name: "q", className: "search-box", placeholder: "Search guides", autocomplete: "off" });
  input.addEventListener("focus", () => {
    const hint = document.createElement("link");
    Object.assign(hint, { rel: "prefetch", href: form.action });
    document.head.append(hint);
  }, { once: true });
  form.append(label, input);
  link.replaceWith(form);
})();
