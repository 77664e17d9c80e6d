/* The verdict quiz: plain HTML questions, the engine warming up in a worker, the verdict in place.
 *
 * Public API, for tests and for anyone embedding the quiz:
 *   window.earnverdict.ready               Promise, resolves when the engine is loaded
 *   window.earnverdict.offline             Promise, resolves when the quiz will work offline
 *   window.earnverdict.verdict(answers)    Promise of the verdict `python -m engine` prints (parsed)
 *   window.earnverdict.verdictJSON(answers) the same, as the exact JSON text
 * Both reject as the command line does, with an Error whose message is the engine's one line
 * "field: what is allowed" (and .field, .detail): NaN, Infinity and undefined are refused, not dropped.
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
        // Of which loading the engine into the started Python (a diagnostic the benchmark reads).
        app.dataset.engineLoadMs = String(message.engineMs);
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

  // The service worker registers only now (sw-register.js), so it never competes with the
  // start; after the handlers above, so the page already shows how the start ended.
  const settled = () => window.dispatchEvent(new Event("earnverdict:engine-settled"));
  ready.then(settled, settled);

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

  // Answers as JSON text the way Python's json reads it: NaN and Infinity as its constants
  // (JSON.stringify would make them null, which means "not given"), and a value JSON has no word
  // for (undefined, a function, a loop back to itself) as a marker the engine names in its message.
  function encode(value, seen) {
    const marker = (kind) => '{"\\u0000js":' + JSON.stringify(kind) + "}";
    if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
    if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : String(value);
    if (typeof value !== "object") return marker(typeof value);
    seen = seen || [];
    if (seen.includes(value)) return marker("circular structure");
    seen = seen.concat([value]);
    if (Array.isArray(value)) return "[" + Array.from(value, (item) => encode(item, seen)).join(",") + "]";
    return "{" + Object.keys(value).map((key) => JSON.stringify(key) + ":" + encode(value[key], seen)).join(",") + "}";
  }

  function ask(type, answers, chart) {
    const text = encode(answers);
    return ready.then(() => new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ type, id, text, chart: Boolean(chart) });
    }));
  }

  window.earnverdict = {
    ready,
    offline,
    verdict: (answers) => ask("verdict", answers).then((reply) => JSON.parse(reply.json)),
    verdictJSON: (answers) => ask("verdict", answers).then((reply) => reply.json),
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

  // [lowest midpoint, highest top] of the market's bands: the edges of a plausible salary.
  function marketRange(market) {
    const keys = Object.keys(bands).filter((key) => key.endsWith("/" + market));
    return [Math.min(...keys.map((key) => bands[key][0])), Math.max(...keys.map((key) => bands[key][1]))];
  }

  // Form values -> engine answers, or {errors: {field: message}}, in the visitor's terms.
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
      // A salary beyond these multiples of the market's bands is a typo, not a career.
      const [lowest, highest] = raw.market ? marketRange(raw.market) : [0, 0];
      if (!/^-?\d+(\.\d+)?$/.test(cleaned) || !Number.isFinite(salary)) {
        errors.salary = "Enter your yearly salary as a number, like 95000, or leave it blank.";
      } else if (salary <= 0) {
        errors.salary = "A salary must be more than zero; leave it blank to use the typical salary.";
      } else if (lowest && salary < lowest / ABSURD_SALARY_FACTOR) {
        errors.salary = "That is far below any yearly salary we know for this market (under " +
          money(lowest / ABSURD_SALARY_FACTOR, raw.market) + "): enter a whole year's pay before tax, like " +
          new Intl.NumberFormat().format(lowest) + ", or leave it blank.";
      } else if (highest && salary > highest * ABSURD_SALARY_FACTOR) {
        errors.salary = "That is far above any salary band we know for this market (over " +
          money(highest * ABSURD_SALARY_FACTOR, raw.market) + " a year); check the number of digits.";
      } else {
        answers.salary = salary;
      }
    }
    const hours = Number(raw.hours_per_week);
    if (!/^\d+(\.\d+)?$/.test(raw.hours_per_week) || hours > MAX_HOURS) {
      errors.hours_per_week = "Enter the hours from 0 to " + MAX_HOURS + " a week.";
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

  // A link's text as the answer the engine is asked about: numbers only when written as numbers
  // (so "95,000" stays text and is refused, and "NaN" stays NaN, never "not given").
  function typed(key, text) {
    if (key === "salary" || key === "hours_per_week") {
      return /^(-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?|NaN|-?Infinity)$/i.test(text) ? Number(text) : text;
    }
    if (key === "skills") return text ? text.split(",") : [];
    if (key === "promotion_track") return text === "true" ? true : text === "false" ? false : text;
    return text;
  }

  // The fragment -> {values: {key: answer}, given: {key: text}, problems: [{field, pair, message}]}.
  function parseFragment(hash) {
    // Objects without a prototype: a link's key ("__proto__", "constructor") is only ever a key.
    const given = Object.create(null);
    const problems = [];
    for (const part of hash.replace(/^#/, "").split("&")) {
      if (!part) continue;
      const at = part.indexOf("=");
      let key = "";
      let text = "";
      try {
        key = decodeURIComponent(part.slice(0, Math.max(at, 0)));
        text = decodeURIComponent(part.slice(at + 1));
      } catch (error) {
        key = "";
      }
      if (!key) problems.push({ field: null, pair: part, message: "not a key=value pair this quiz can read" });
      else (given[key] = given[key] || []).push(text);
    }
    const values = Object.create(null);
    const once = Object.create(null);
    for (const [key, texts] of Object.entries(given)) {
      if (texts.length > 1) {
        problems.push({ field: FIELDS.includes(key) ? key : null, pair: key + "=" + texts.join(", " + key + "="),
                        message: key + ": given " + texts.length + " times in the link; only one value can be used" });
      } else {
        values[key] = typed(key, texts[0]);
        once[key] = texts[0];
      }
    }
    return { values, given: once, problems };
  }

  function radioFor(name, value) {
    return form.querySelector('input[name="' + name + '"][value="' + CSS.escape(String(value)) + '"]');
  }

  // Put one answer into the form (a link's, or a what-if's); null leaves the question open.
  function setAnswer(key, value) {
    const item = control(key);
    if (key === "role") {
      item.value = value !== null && item.querySelector('option[value="' + CSS.escape(String(value)) + '"]') ? value : "";
    } else if (["level", "market", "urgency"].includes(key)) {
      for (const radio of item) radio.checked = radio.value === value;
    } else if (key === "salary" || key === "hours_per_week") {
      item.value = value === null ? "" : String(value);
    } else if (key === "skills") {
      for (const box of item) box.checked = Array.isArray(value) && value.includes(box.value);
    } else if (key === "promotion_track") {
      item.checked = value === true;
    }
  }

  function fits(key, value) {
    if (key === "role") return typeof value === "string" && Boolean(control("role").querySelector('option[value="' + CSS.escape(value) + '"]'));
    if (["level", "market", "urgency"].includes(key)) return typeof value === "string" && Boolean(radioFor(key, value));
    if (key === "salary") return Number.isFinite(value) && value > 0;
    if (key === "hours_per_week") return Number.isFinite(value) && value >= 0 && value <= MAX_HOURS;
    if (key === "skills") return value.every((slug) => radioFor("skills", slug));
    return key === "promotion_track" && typeof value === "boolean";
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
    const radio = radioFor("market", market);
    return radio && radio.dataset.currency ? radio.dataset.currency : "USD";
  }

  function money(amount, market) {
    return new Intl.NumberFormat(undefined, {
      style: "currency", currency: currencyOf(market), maximumFractionDigits: 0,
    }).format(amount);
  }

  // Gains as the engine writes them (engine/money.py): two significant figures, $41k, ₹3.2L.
  const SYMBOLS = { USD: "$", GBP: "£", INR: "₹", AED: "AED " };

  // Python's round: halves to even, so $4,450 reads $4.4k here as in the engine's headline.
  function roundHalfEven(value) {
    const nearest = Math.round(value);
    return Math.abs(value % 1) === 0.5 && nearest % 2 ? nearest - 1 : nearest;
  }

  function compactMoney(amount, currency) {
    const digits = Math.abs(amount) >= 1 ? String(Math.trunc(Math.abs(amount))).length : 1;
    const unit = 10 ** Math.abs(digits - 2);
    const rounded = digits > 2 ? roundHalfEven(amount / unit) * unit : roundHalfEven(amount * unit) / unit;
    const size = Math.abs(rounded);
    const one = (value) => String(roundHalfEven(value * 10) / 10);
    const inr = currency === "INR";
    const body = inr && size >= 1e7 ? one(size / 1e7) + "Cr" : inr && size >= 1e5 ? one(size / 1e5) + "L"
      : size >= 1e6 ? one(size / 1e6) + "M" : size >= 1e4 ? Math.round(size / 1000) + "k"
      : size >= 1000 ? one(size / 1000) + "k" : String(Math.round(size));
    return (Math.round(rounded) < 0 ? "-" : "") + (SYMBOLS[currency] || currency + " ") + body;
  }

  function signedMoney(amount, currency) {
    const text = compactMoney(amount, currency);
    return text.startsWith("-") || text.endsWith(SYMBOLS[currency] + "0") || text.endsWith(" 0") ? text : "+" + text;
  }

  // "+$8k to +$19k by month 12 (median +$12k)": P10 to P90, nothing to the unit.
  function rangeText(range, month, currency) {
    const low = signedMoney(range.p10, currency);
    const high = signedMoney(range.p90, currency);
    return (low === high ? low : low + " to " + high) + " by month " + month +
      " (median " + signedMoney(range.p50, currency) + ")";
  }

  function chanceText(share) {
    // In fifths: with the engine's 64 simulated futures, the fifth a visitor reads is the same
    // under another seed in 87% of cases, a tenth in only 72% (bench/README.md).
    const fifths = Math.round(share * 5);
    if (share <= 0) return "Best in none of the simulated cases";
    if (share >= 1) return "Best in every simulated case";
    if (fifths === 0) return "Best in fewer than 1 of 5 cases";
    return fifths === 5 ? "Best in more than 4 of 5 cases" : "Best in " + fifths + " of 5 cases";
  }

  function hoursText(hours) {
    if (!hours) return "no spare hours: in working time";
    return String(Number(hours)) + (Number(hours) === 1 ? " spare hour" : " spare hours") + " a week";
  }

  function monthsText(step) {
    if (step.end_month === null) return "From month " + step.start_month;
    if (step.end_month === step.start_month) return "Month " + step.start_month;
    return "Months " + step.start_month + "\u2013" + step.end_month;
  }

  function parseSvg(text) {
    if (!text) return null;
    const svg = new DOMParser().parseFromString(text, "image/svg+xml").documentElement;
    return svg && svg.namespaceURI === "http://www.w3.org/2000/svg" && svg.localName === "svg"
      ? document.importNode(svg, true) : null;
  }

  function block(id, title, children, extraClass) {
    return el("section", { class: "verdict-block" + (extraClass ? " " + extraClass : ""), "aria-labelledby": id },
      [el("h3", { id }, title)].concat(children));
  }

  function planBlock(data, byKey) {
    const currency = data.currency;
    const result = data.plan_result;
    if (!data.plan.length) {
      return block("verdict-plan", "Your plan", [
        el("p", { class: "verdict-stay", "data-plan-empty": "" }, "Stay where you are for now."),
        el("p", {}, data.sequence_reason),
      ]);
    }
    const steps = data.plan.map((step) => el("li", { class: "verdict-step", "data-plan-step": step.path }, [
      el("p", { class: "verdict-when" }, monthsText(step) + " \u00b7 " + hoursText(step.hours_per_week)),
      el("h4", {}, byKey[step.path] ? byKey[step.path].name : step.path),
      el("p", {}, step.summary),
    ]));
    return block("verdict-plan", "Your plan, step by step", [
      el("ol", { class: "verdict-plan" }, steps),
      el("p", { class: "verdict-range" }, "Likely " + rangeText(result.range_12m, 12, currency) + "; " +
        rangeText(result.range_36m, 36, currency) + "."),
      el("p", {}, data.sequence_reason),
      el("p", { class: "verdict-note" }, "Likely means 8 in 10 simulated cases fall in the range (P10 to P90), " +
        "before income tax, against staying where you are."),
    ]);
  }

  function whatIfBlock(tips) {
    if (!tips.length) return null;
    return block("verdict-whatif", "What would change it", [
      el("ul", { class: "verdict-whatifs" }, tips.map((tip) => el("li", {}, el("button", {
        type: "button", class: "verdict-try", "data-tipping-field": tip.field,
        "data-tipping-value": [].concat(tip.value).join(","), "data-tipping-best-path": tip.best_path,
      }, tip.sentence.replace(/\.$/, "") + ": try it")))),
    ]);
  }

  function pathCard(path, best, currency) {
    const payoff = path.payoff_month ? "Month " + path.payoff_month : "Not within 36 months";
    const figures = el("dl", { class: "verdict-figures" }, [
      el("div", {}, [el("dt", {}, "Likely by month 12"), el("dd", {}, rangeText(path.range_12m, 12, currency))]),
      el("div", {}, [el("dt", {}, "Likely by month 36"), el("dd", {}, rangeText(path.range_36m, 36, currency))]),
      el("div", {}, [el("dt", {}, "Ahead of staying put from"), el("dd", {}, payoff)]),
      el("div", {}, [el("dt", {}, "Chance it is the best path"), el("dd", { class: "verdict-chance" }, chanceText(path.chance_best))]),
    ]);
    return el("li", { class: best ? "verdict-path verdict-path-best" : "verdict-path", "data-path": path.path }, [
      el("h4", {}, best ? path.name + " (first step)" : path.name),
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
    return block("verdict-skill", "The skill to learn: " + skill.name, el("ul", {}, facts.map((fact) => el("li", {}, fact))));
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
      planBlock(data, byKey),
      chart ? block("verdict-chart", "Month by month", chart, "verdict-chart") : null,
      whatIfBlock(data.tipping_points),
      block("verdict-paths", "Each path on its own", [
        el("p", { class: "verdict-note" }, "Money ahead of staying where you are, after costs and the time you put in."),
        el("ol", { class: "verdict-paths" }, data.paths.map((path) => pathCard(path, path.path === data.best_path, data.currency))),
      ]),
      skillBlock(data.skill_to_learn, market),
      block("verdict-market", "Your market",
        el("p", {}, "The band for " + rolePlural + " at your level: " + band.display + ". " + salaryLine)),
      el("p", { class: "verdict-share" }, [
        el("a", { href: "#" + toFragment(answers), id: "verdict-link" }, "Link to this verdict"),
        ": bookmark or share it. The answers are in the link itself, after the #, which browsers never send to a server.",
      ]),
      block("verdict-next", "Read next", el("ul", {}, [
        el("li", {}, el("a", { href: basePath + "roles/" + encodeURIComponent(answers.role) + "/" }, "Guides for your role: " + roleName)),
        el("li", {}, el("a", { href: basePath + "guides/" }, "All guides")),
      ])),
      sourcesBlock(data.assumptions || []),
    ];
    result.dataset.bestPath = data.best_path;
    document.getElementById("verdict-headline").textContent = data.headline;
    document.getElementById("verdict-body").replaceChildren(...body.filter(Boolean));
  }

  let shown = false;
  let latest = 0;

  function hideVerdict() {
    latest++;
    shown = false;
    result.hidden = true;
    delete app.dataset.verdict;
  }

  async function showVerdict(answers, { focus }) {
    const ticket = ++latest;
    if (!app.dataset.engine) {
      form.dataset.waiting = "true";
      setStatus(app.dataset.progress || "Loading the calculator…", null);
    }
    let reply;
    try {
      reply = await ask("verdict", answers, true);
    } catch (error) {
      delete form.dataset.waiting;
      if (ticket !== latest) return;
      if (FIELDS.includes(error.field)) {
        showErrors({ [error.field]: error.message });
        setStatus("");
      } else if (app.dataset.engine !== "failed") {
        setStatus(error.message);
      }
      return;
    }
    delete form.dataset.waiting;
    if (ticket !== latest) return;
    setStatus("");
    showLinkProblems([]);
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

  // A tipping point's button: that one change to the answers, the verdict recomputed, the link updated.
  result.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-tipping-field]");
    if (!button) return;
    // The value is written as a link writes it, so it is read back the same way.
    setAnswer(button.dataset.tippingField, typed(button.dataset.tippingField, button.dataset.tippingValue));
    submit({ focus: true });
  });

  // --- Share links ------------------------------------------------------------------------

  const linkAlert = document.getElementById("quiz-link-problems");

  function showLinkProblems(problems) {
    linkAlert.hidden = !problems.length;
    if (!problems.length) return linkAlert.replaceChildren();
    linkAlert.replaceChildren(
      el("p", {}, "This link's answers were not all used, so no verdict is shown. Check the marked answers, then choose Show my verdict."),
      el("ul", {}, problems.map((problem) => el("li", {}, [el("code", {}, problem.pair), " not used: " + problem.message]))));
  }

  async function openFromFragment() {
    const hash = location.hash;
    const link = parseFragment(hash);
    showLinkProblems([]);
    const keys = Object.keys(link.values);
    if (!keys.length && !link.problems.length) return;
    // What fits the questions is filled in at once (a guide's link names the role); the engine
    // has the last word once it is ready.
    for (const key of keys) if (fits(key, link.values[key])) setAnswer(key, link.values[key]);
    showTypicalSalary();
    let refused;
    try {
      refused = (await ask("check", link.values)).problems;
    } catch (error) {
      return;  // the engine did not load: the status line says so
    }
    if (location.hash !== hash) return;
    const problems = link.problems.slice();
    const errors = {};
    const refuse = (field, message) => {
      problems.push({ field, pair: field in link.given ? field + "=" + link.given[field] : field, message });
      if (FIELDS.includes(field)) {
        errors[field] = message;
        setAnswer(field, null);
      }
    };
    for (const [field, message] of Object.entries(refused)) refuse(field, message);
    for (const problem of link.problems) if (problem.field) { errors[problem.field] = problem.message; setAnswer(problem.field, null); }
    // A full set of answers (a shared verdict) opens the verdict; a partial one (a guide's link
    // naming the role) just fills in what it knows.
    const complete = "urgency" in link.values && "hours_per_week" in link.values;
    if (!problems.length && complete) {
      const checked = validate(readForm());
      for (const [field, message] of Object.entries(checked.errors || {})) if (field in link.given) refuse(field, message);
      if (!problems.length && checked.answers) return showVerdict(checked.answers, { focus: false });
    }
    if (!problems.length) return;  // leaves alone any message the visitor's own answers got meanwhile
    hideVerdict();
    showErrors(errors);
    showLinkProblems(problems);
  }

  window.addEventListener("hashchange", () => {
    const wanted = location.hash.replace(/^#/, "");
    const current = validate(readForm());
    if (current.answers && toFragment(current.answers) === wanted) return;
    openFromFragment();
  });

  openFromFragment();
})();
