/* The search page: Pagefind's index, queried as the reader types, narrowed by role.
 * Pagefind's own script and index chunks load from the site's pagefind/ folder on the first
 * query; the service worker keeps every chunk fetched, so repeated searches work offline. */
const form = document.getElementById("search-form");
const input = document.getElementById("search-q");
const role = document.getElementById("search-role");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const SHOWN = 10;
const WAIT_MS = 120;

let pagefind = null;
let latest = 0;
let timer = 0;

async function engine() {
  if (!pagefind) {
    pagefind = await import(form.dataset.pagefind);
    await pagefind.options({ baseUrl: form.dataset.base });
    await pagefind.init();
  }
  return pagefind;
}

// Pagefind's excerpts are escaped text with <mark> around the matches: rebuilt node by node,
// so nothing but text and <mark> reaches the page.
function excerpt(html) {
  const paragraph = document.createElement("p");
  const parsed = new DOMParser().parseFromString(html, "text/html").body;
  for (const node of parsed.childNodes) {
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = node.textContent;
      paragraph.append(mark);
    } else {
      paragraph.append(node.textContent);
    }
  }
  return paragraph;
}

function item(data) {
  const li = document.createElement("li");
  const link = document.createElement("a");
  link.href = data.url;
  link.textContent = (data.meta && data.meta.title) || data.url;
  li.append(link, excerpt(data.excerpt));
  return li;
}

function remember(query) {
  const params = new URLSearchParams();
  if (query) params.set("q", query);
  if (role.value) params.set("role", role.value);
  const search = params.toString();
  history.replaceState(null, "", search ? "?" + search : location.pathname);
}

async function run() {
  const query = input.value.trim();
  const id = ++latest;
  remember(query);
  if (!query) {
    list.replaceChildren();
    status.textContent = "Type a word or two: results appear as you type.";
    return;
  }
  try {
    const found = await (await engine()).search(query, { filters: role.value ? { role: role.value } : {} });
    if (id !== latest) return;
    const shown = await Promise.all(found.results.slice(0, SHOWN).map((result) => result.data()));
    if (id !== latest) return;
    list.replaceChildren(...shown.map(item));
    const count = found.results.length;
    const where = role.value ? ` for ${role.value}` : "";
    status.textContent = count === 0 ? `No results for “${query}”${where}.`
      : `${count} result${count === 1 ? "" : "s"} for “${query}”${where}${count > SHOWN ? `, the first ${SHOWN} shown` : ""}.`;
  } catch (error) {
    if (id === latest) status.textContent = "Search could not load. Check your connection, or browse all guides.";
  }
}

function soon() {
  clearTimeout(timer);
  timer = setTimeout(run, WAIT_MS);
}

const params = new URLSearchParams(location.search);
input.value = params.get("q") || "";
if ([...role.options].some((option) => option.value === params.get("role"))) role.value = params.get("role");
form.addEventListener("submit", (event) => { event.preventDefault(); clearTimeout(timer); run(); });
input.addEventListener("input", soon);
role.addEventListener("change", () => { clearTimeout(timer); run(); });
if (input.value) run();
input.focus();
