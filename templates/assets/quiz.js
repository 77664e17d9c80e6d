/* The verdict quiz: plain HTML questions, the engine warming up in a worker, the verdict in place.
 *
 * Public API, for tests and for anyone embedding the quiz:
 *   window.earnverdict.ready               Promise, resolves when the engine is loaded
 *   window.earnverdict.offline             Promise, resolves when the quiz will work offline
 *   window.earnverdict.verdict(answers)    Promise of the verdict `python -m engine` prints (parsed)
 *   window.earnverdict.verdictJSON(answers) the same, as the exact JSON text
 * Both reject with an Error carrying .field and the engine's one-line message for bad answers.
 */
(function () {
  "use strict";

  const app = document.getElementById("quiz-app");
  const form = document.getElementById("quiz-form");
  if (!app || !form) return;

  const statusBox = document.getElementById("quiz-status");
  const statusText = document.getElementById("quiz-status-text");
  const progressBar = document.getElementById("quiz-progress");
  const announcer = document.getElementById("quiz-announce");
  const result = document.getElementById("quiz-result");
  // "role/level/market" -> [midpoint, top of band], rendered from the engine's own figures.
  const bands = JSON.parse(app.dataset.bands || "{}");
  const basePath = app.dataset.base || "/";

  // Chromium fetches the page icon again whenever the URL changes, and the URL changes with
  // every verdict (the answers live in the fragment): an inline icon keeps that off the wire.
  const icon = document.querySelector('link[rel~="icon"]');
  if (icon && app.dataset.icon) icon.href = app.dataset.icon;

  const FIELDS = ["role", "level", "market", "salary", "hours_per_week", "urgency", "skills", "promotion_track"];
  const MAX_HOURS = 60;
  // A salary beyond this multiple of the market's top band is a typo, not a career.
  const ABSURD_SALARY_FACTOR = 20;

  // --- Engine in a worker -----------------------------------------------------------------

  const pending = new Map();
  let nextId = 1;
  let worker = null;
  let downloadsKept = null;
  const kept = new Promise((resolve) => { downloadsKept = resolve; });

  function setStatus(text, value) {
    statusText.textContent = text;
    if (value === undefined) {
      progressBar.hidden = true;
    } else {
      progressBar.hidden = false;
      if (value === null) progressBar.removeAttribute("value");
      else progressBar.value = value;
    }
  }

  const ready = new Promise((resolve, reject) => {
    if (typeof WebAssembly !== "object" || typeof Worker !== "function") {
      reject(new Error("This browser cannot run the quiz's calculator: it needs WebAssembly and Web Workers, which every current browser has."));
      return;
    }
    try {
      worker = new Worker(app.dataset.worker);
    } catch (error) {
      reject(new Error("The quiz's calculator could not start in this browser."));
      return;
    }
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type === "progress") {
        app.dataset.progress = message.text;
        if (form.dataset.waiting) setStatus(message.text, message.value);
      } else if (message.type === "ready") {
        app.dataset.engine = "ready";
        app.dataset.engineMs = String(message.ms);
        resolve();
      } else if (message.type === "kept") {
        downloadsKept();
      } else if (message.type === "failed") {
        reject(new Error("The quiz's calculator could not load (" + message.message + "). Check your connection and reload the page."));
      } else if (message.type === "result") {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (!waiter) return;
        if (message.error) {
          const error = new Error(message.error.text);
          error.field = message.error.field;
          error.detail = message.error.message;
          waiter.reject(error);
        } else {
          waiter.resolve(message);
        }
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error("The quiz's calculator stopped with an error. Reload the page to try again."));
    };
    // Before the service worker controls this page (a first visit), the worker's downloads do not
    // pass through it, so the worker keeps its own copy for the service worker to take over.
    const uncontrolled = "serviceWorker" in navigator && !navigator.serviceWorker.controller;
    worker.postMessage({
      type: "init",
      indexURL: new URL(app.dataset.runtime, location.href).href,
      stagingCache: uncontrolled ? app.dataset.staging : null,
    });
  });

  ready.catch((error) => {
    app.dataset.engine = "failed";
    setStatus(error.message);
    statusBox.classList.add("quiz-status-error");
  });

  // Once the engine is ready and the worker's copies are written, the service worker takes the
  // runtime the worker just loaded into its cache, so the quiz works offline from the next visit on.
  const offline = ready.then(() => kept).then(() => {
    if (!("serviceWorker" in navigator)) throw new Error("this browser has no service workers");
    return navigator.serviceWorker.ready;
  }).then((registration) => new Promise((resolve, reject) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => {
      if (event.data && event.data.ok) resolve();
      else reject(new Error("the runtime could not be cached: " + (event.data && event.data.error)));
    };
    registration.active.postMessage({ type: "cache-runtime" }, [channel.port2]);
  }));
  offline.then(() => { app.dataset.offline = "ready"; }, () => { app.dataset.offline = "unavailable"; });

  function compute(answers, chart) {
    return ready.then(() => new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ type: "verdict", id, answers, chart: Boolean(chart) });
    }));
  }

  window.earnverdict = {
    ready,
    offline,
    verdict: (answers) => compute(answers).then((reply) => JSON.parse(reply.json)),
    verdictJSON: (answers) => compute(answers).then((reply) => reply.json),
  };

  // --- Answers: form <-> object <-> URL fragment -------------------------------------------

  function control(name) {
    return form.elements.namedItem(name);
  }

  function checkedValue(name) {
    const checked = form.querySelector('input[name="' + name + '"]:checked');
    return checked ? checked.value : "";
  }

  function readForm() {
    return {
      role: control("role").value,
      level: checkedValue("level"),
      market: checkedValue("market"),
      salary: control("salary").value.trim(),
      hours_per_week: control("hours_per_week").value.trim(),
      urgency: checkedValue("urgency"),
      skills: Array.from(form.querySelectorAll('input[name="skills"]:checked'), (box) => box.value),
      promotion_track: control("promotion_track").checked,
    };
  }

  function bandFor(raw) {
    return bands[raw.role + "/" + raw.level + "/" + raw.market] || null;
  }

  // Once role, level and market are known, the salary box shows the typical salary it
  // stands for when left blank.
  function showTypicalSalary() {
    const band = bandFor(readForm());
    control("salary").placeholder = band ? "Typical: " + new Intl.NumberFormat().format(band[0]) : "";
  }

  function marketMaxHigh(market) {
    let high = 0;
    for (const key of Object.keys(bands)) {
      if (key.endsWith("/" + market)) high = Math.max(high, bands[key][1]);
    }
    return high;
  }

  // Form values -> engine answers, or {errors: {field: message}}.
  function validate(raw) {
    const errors = {};
    if (!raw.role) errors.role = "Choose your role.";
    if (!raw.level) errors.level = "Choose your level.";
    if (!raw.market) errors.market = "Choose where you work.";
    if (!raw.urgency) errors.urgency = "Choose how soon you need more income.";
    const answers = { role: raw.role, level: raw.level, market: raw.market };
    if (raw.salary !== "") {
      const cleaned = raw.salary.replace(/[,\s_]/g, "");
      const salary = Number(cleaned);
      const ceiling = raw.market ? marketMaxHigh(raw.market) * ABSURD_SALARY_FACTOR : 0;
      if (!/^-?\d+(\.\d+)?$/.test(cleaned) || !Number.isFinite(salary)) {
        errors.salary = "Enter your yearly salary as a number, like 95000, or leave it blank.";
      } else if (salary <= 0) {
        errors.salary = "A salary must be more than zero; leave it blank to use the typical salary.";
      } else if (ceiling && salary > ceiling) {
        errors.salary = "That is far above any salary band we know for this market (over " +
          money(ceiling, raw.market) + " a year); check the number of digits.";
      } else {
        answers.salary = Math.round(salary);
      }
    }
    const hours = Number(raw.hours_per_week);
    if (raw.hours_per_week === "" || !/^\d+$/.test(raw.hours_per_week) || hours > MAX_HOURS) {
      errors.hours_per_week = "Enter whole hours from 0 to " + MAX_HOURS + " a week.";
    } else {
      answers.hours_per_week = hours;
    }
    answers.urgency = raw.urgency;
    answers.skills = raw.skills;
    answers.promotion_track = raw.promotion_track;
    return Object.keys(errors).length ? { errors } : { answers };
  }

  function toFragment(answers) {
    const parts = [];
    for (const key of FIELDS) {
      if (!(key in answers)) continue;
      const value = answers[key];
      if (key === "skills") {
        if (value.length) parts.push("skills=" + value.map(encodeURIComponent).join(","));
      } else if (key === "promotion_track") {
        if (value) parts.push("promotion_track=true");
      } else {
        parts.push(key + "=" + encodeURIComponent(value));
      }
    }
    return parts.join("&");
  }

  function parseFragment(hash) {
    const values = {};
    for (const part of hash.replace(/^#/, "").split("&")) {
      const at = part.indexOf("=");
      if (at < 1) continue;
      let key, value;
      try {
        key = decodeURIComponent(part.slice(0, at));
        value = decodeURIComponent(part.slice(at + 1));
      } catch (error) {
        continue;  // a mangled pair is skipped like an unknown one
      }
      if (FIELDS.includes(key)) values[key] = value;
    }
    return values;
  }

  // Fill the form from the fragment; unknown values are ignored and the question left open.
  function applyFragment(values) {
    if ("role" in values && control("role").querySelector('option[value="' + CSS.escape(values.role) + '"]')) {
      control("role").value = values.role;
    }
    for (const name of ["level", "market", "urgency"]) {
      if (!(name in values)) continue;
      const radio = form.querySelector('input[name="' + name + '"][value="' + CSS.escape(values[name]) + '"]');
      if (radio) radio.checked = true;
    }
    if ("salary" in values && /^\d{1,12}$/.test(values.salary)) control("salary").value = values.salary;
    if ("hours_per_week" in values && /^\d{1,2}$/.test(values.hours_per_week) && Number(values.hours_per_week) <= MAX_HOURS) {
      control("hours_per_week").value = values.hours_per_week;
    }
    if ("skills" in values) {
      const wanted = values.skills.split(",");
      for (const box of form.querySelectorAll('input[name="skills"]')) box.checked = wanted.includes(box.value);
    }
    if ("promotion_track" in values) control("promotion_track").checked = values.promotion_track === "true";
  }

  // --- Messages beside fields --------------------------------------------------------------

  function errorSlot(field) {
    return document.getElementById("q-" + field.replace(/_/g, "-") + "-error");
  }

  function focusTarget(field) {
    const item = control(field);
    if (!item) return null;
    return item instanceof RadioNodeList ? item[0] : item;
  }

  function showErrors(errors) {
    for (const field of FIELDS) {
      const slot = errorSlot(field);
      const message = errors[field];
      const target = control(field);
      const inputs = target instanceof RadioNodeList ? Array.from(target) : target ? [target] : [];
      if (slot) {
        slot.textContent = message || "";
        slot.hidden = !message;
      }
      for (const input of inputs) {
        if (message) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
    }
  }

  function firstInvalid(errors) {
    return FIELDS.find((field) => field in errors);
  }


  // --- Verdict ----------------------------------------------------------------------------

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of [].concat(children || [])) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function currencyOf(market) {
    const radio = form.querySelector('input[name="market"][value="' + CSS.escape(market) + '"]');
    return radio && radio.dataset.currency ? radio.dataset.currency : "USD";
  }

  function money(amount, market) {
    return new Intl.NumberFormat(undefined, {
      style: "currency", currency: currencyOf(market), maximumFractionDigits: 0,
    }).format(amount);
  }

  function signedMoney(amount, market) {
    return (amount > 0 ? "+" : "") + money(amount, market);
  }

  function parseSvg(text) {
    if (!text) return null;
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    return svg && svg.namespaceURI === "http://www.w3.org/2000/svg" && svg.localName === "svg"
      ? document.importNode(svg, true) : null;
  }

  function pathCard(path, rank, market) {
    const payoff = path.payoff_month
      ? "Month " + path.payoff_month
      : "Not within " + 36 + " months";
    const figures = el("dl", { class: "verdict-figures" }, [
      el("div", {}, [el("dt", {}, "After 12 months"), el("dd", {}, signedMoney(path.gain_12m, market))]),
      el("div", {}, [el("dt", {}, "After 36 months"), el("dd", {}, signedMoney(path.gain_36m, market))]),
      el("div", {}, [el("dt", {}, "Ahead of staying put from"), el("dd", {}, payoff)]),
    ]);
    const title = rank === 0 ? path.name + " (best)" : path.name;
    return el("li", { class: rank === 0 ? "verdict-path verdict-path-best" : "verdict-path" }, [
      el("h4", {}, title),
      figures,
      el("ul", { class: "verdict-reasons" }, path.reasons.map((reason) => el("li", {}, reason))),
    ]);
  }

  function skillBlock(skill, market) {
    if (!skill) return null;
    const facts = [
      "Worth about " + money(skill.uplift_low, market) + " to " + money(skill.uplift_high, market) + " a year more.",
      "About " + skill.hours_to_marketable + " hours to become marketable" +
        (skill.months_to_marketable === null ? "." : ": " + skill.months_to_marketable + " months at " +
          skill.hours_per_week + " hours a week."),
      "Course fees of about " + money(skill.course_cost, market) + ".",
      skill.realised_via === "promotion"
        ? "Your promotion track turns it into pay."
        : "It pays through your next move.",
    ];
    return el("section", { class: "verdict-block", "aria-labelledby": "verdict-skill" }, [
      el("h3", { id: "verdict-skill" }, "The skill to learn: " + skill.name),
      el("ul", {}, facts.map((fact) => el("li", {}, fact))),
    ]);
  }

  function sourcesBlock(assumptions) {
    const items = assumptions.map((a) => el("li", {}, [
      a.label + ": " + a.value + (a.unit ? " (" + a.unit + (a.currency ? ", " + a.currency : "") + ")" : "") + ". ",
      el("span", { class: "verdict-note" }, "Source: " + a.source + ", " + a.date + (a.estimate ? " (estimate)" : "") + "."),
    ]));
    return el("details", { class: "verdict-sources" }, [
      el("summary", {}, "The figures behind this verdict, with sources"),
      el("ul", {}, items),
    ]);
  }

  function renderVerdict(data, svgText, answers) {
    const market = answers.market;
    const roleOption = control("role").selectedOptions[0];
    const roleName = roleOption ? roleOption.textContent : answers.role;
    const rolePlural = roleOption && roleOption.dataset.plural ? roleOption.dataset.plural : roleName;
    const byKey = Object.fromEntries(data.paths.map((path) => [path.path, path]));
    const band = data.market_band;
    const salaryLine = band.salary_given
      ? "Your salary of " + money(band.salary, market) + " is " + (band.below_midpoint ? "below" : "at or above") +
        " the midpoint of " + money(band.mid, market) + "."
      : "With no salary given, the verdict uses the midpoint, " + money(band.mid, market) + ".";
    const chart = parseSvg(svgText);
    const body = [
      el("section", { class: "verdict-block", "aria-labelledby": "verdict-paths" }, [
        el("h3", { id: "verdict-paths" }, "The three paths, best first"),
        el("p", { class: "verdict-note" }, "Money ahead of staying where you are, after costs and the time you put in."),
        el("ol", { class: "verdict-paths" }, data.paths.map((path, rank) => pathCard(path, rank, market))),
      ]),
      chart ? el("section", { class: "verdict-block verdict-chart", "aria-labelledby": "verdict-chart" }, [
        el("h3", { id: "verdict-chart" }, "Month by month"), chart,
      ]) : null,
      el("section", { class: "verdict-block", "aria-labelledby": "verdict-sequence" }, [
        el("h3", { id: "verdict-sequence" }, "Your order of play"),
        el("ol", {}, data.sequence.map((key) => el("li", {}, byKey[key] ? byKey[key].name : key))),
        el("p", {}, data.sequence_reason),
      ]),
      skillBlock(data.skill_to_learn, market),
      el("section", { class: "verdict-block", "aria-labelledby": "verdict-market" }, [
        el("h3", { id: "verdict-market" }, "Your market"),
        el("p", {}, "The band for " + rolePlural + " at your level: " + band.display + ". " + salaryLine),
      ]),
      el("p", { class: "verdict-share" }, [
        el("a", { href: "#" + toFragment(answers), id: "verdict-link" }, "Link to this verdict"),
        ": bookmark or share it. The answers are in the link itself, after the #, which browsers never send to a server.",
      ]),
      el("section", { class: "verdict-block", "aria-labelledby": "verdict-next" }, [
        el("h3", { id: "verdict-next" }, "Read next"),
        el("ul", {}, [
          el("li", {}, el("a", { href: basePath + "roles/" + encodeURIComponent(answers.role) + "/" }, "Guides for your role: " + roleName)),
          el("li", {}, el("a", { href: basePath + "guides/" }, "All guides")),
        ]),
      ]),
      sourcesBlock(data.assumptions || []),
    ];
    document.getElementById("verdict-headline").textContent = data.headline;
    document.getElementById("verdict-body").replaceChildren(...body.filter(Boolean));
  }

  let shown = false;
  let latest = 0;

  async function showVerdict(answers, { focus }) {
    const ticket = ++latest;
    if (!app.dataset.engine) {
      form.dataset.waiting = "true";
      setStatus(app.dataset.progress || "Loading the calculator…", null);
    }
    let reply;
    try {
      reply = await compute(answers, true);
    } catch (error) {
      delete form.dataset.waiting;
      if (ticket !== latest) return;
      if (error.field) {
        const errors = {};
        errors[FIELDS.includes(error.field) ? error.field : "role"] = error.detail || error.message;
        showErrors(errors);
        setStatus("");
      } else if (app.dataset.engine !== "failed") {
        setStatus(error.message);
      }
      return;
    }
    delete form.dataset.waiting;
    if (ticket !== latest) return;
    setStatus("");
    const data = JSON.parse(reply.json);
    renderVerdict(data, reply.svg, answers);
    result.hidden = false;
    announcer.textContent = data.headline || "";
    history.replaceState(null, "", "#" + toFragment(answers));
    app.dataset.verdict = "shown";
    if (focus || !shown) {
      const heading = document.getElementById("verdict-title");
      heading.focus();
    }
    shown = true;
  }

  function submit(options) {
    const checked = validate(readForm());
    if (checked.errors) {
      showErrors(checked.errors);
      if (shown) setStatus("Fix the marked answer to update the verdict below.");
      if (options.focus) {
        const target = focusTarget(firstInvalid(checked.errors));
        if (target) target.focus();
      }
      return false;
    }
    showErrors({});
    showVerdict(checked.answers, options);
    return true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit({ focus: true });
  });

  // What-if: once a verdict is on screen, any change recomputes it in place.
  const TYPED = ["salary", "hours_per_week"];
  form.addEventListener("input", (event) => {
    if (shown && TYPED.includes(event.target.name)) submit({ focus: false });
  });
  form.addEventListener("change", (event) => {
    if (["role", "level", "market"].includes(event.target.name)) showTypicalSalary();
    if (shown && !TYPED.includes(event.target.name)) submit({ focus: false });
  });

  function openFromFragment() {
    const values = parseFragment(location.hash);
    if (!Object.keys(values).length) return;
    applyFragment(values);
    showTypicalSalary();
    const checked = validate(readForm());
    // A full set of answers (a shared verdict) opens the verdict; a partial one (a guide's
    // link naming the role) just fills in what it knows.
    if (!checked.errors && "urgency" in values && "hours_per_week" in values) showVerdict(checked.answers, { focus: false });
  }

  window.addEventListener("hashchange", () => {
    const wanted = location.hash.replace(/^#/, "");
    const current = validate(readForm());
    if (current.answers && toFragment(current.answers) === wanted) return;
    openFromFragment();
  });

  openFromFragment();
})();
