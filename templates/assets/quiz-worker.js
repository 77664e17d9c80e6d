/* The quiz's engine: Pyodide and the verdict engine, running off the page's main thread.
 *
 * Messages in:  {type: "init", indexURL, stagingCache}, then {type: "verdict", id, text, chart} or
 *               {type: "check", id, text}, with the answers as JSON text (NaN and Infinity included)
 * Messages out: {type: "progress", text}, {type: "ready", ms, engineMs}, {type: "kept"}, {type: "failed", message},
 *               {type: "result", id, json, svg}, {type: "result", id, problems: {field: message}}
 *               or {type: "result", id, error: {field, message, text}}
 */
"use strict";

// Where the engine file goes in Pyodide's file system: a zip of precompiled modules that Python
// imports as it is (sys.path), so nothing is unpacked or compiled in WebAssembly.
const ENGINE_ZIP = "/lib/earnverdict-engine.zip";
const ENGINE_DIST = "earnverdict-engine";

// The Python side: the same verdict and the same JSON text (engine.to_json) as `python -m engine` prints.
// Its notes are here, not in the Python, because the build strips comments from scripts but not
// from strings:
// - a value JSON has no word for (undefined, a function...) comes as {"\u0000js": its typeof} and
//   becomes an object of a class named after it, so the engine's own message says "got undefined";
// - guarded() never gives the page a traceback: one line naming what failed;
// - the chart is imported by warm_up(), after the engine is ready;
// - warm_up() imports the chart, reads the parameter files and draws the simulated worlds while
//   the visitor is still answering; not a whole verdict, so one asked meanwhile waits less.
const BRIDGE = `
import sys
sys.path.insert(0, "${ENGINE_ZIP}")
import json
from engine import InputError, prepare, to_json, verdict
from engine.validate import field_problems

JS_TYPES = {}

def js_value(pairs):
    if len(pairs) == 1 and pairs[0][0] == "\\u0000js":
        name = str(pairs[0][1])
        return JS_TYPES.setdefault(name, type(name, (), {}))()
    return dict(pairs)

def guarded(work, answers_json):
    try:
        return json.dumps(work(json.loads(answers_json, object_pairs_hook=js_value)))
    except InputError as err:
        error = {"field": err.field, "message": err.message, "text": str(err)}
    except Exception as err:
        message = f"could not be worked out for these answers ({type(err).__name__})"
        error = {"field": "answers", "message": message, "text": "answers: " + message}
    return json.dumps({"error": error})

def quiz_verdict(answers_json, with_chart):
    def work(answers):
        result = verdict(answers)
        if not with_chart:
            return {"json": to_json(result), "svg": None}
        from engine.chart import chart_svg
        return {"json": to_json(result), "svg": chart_svg(result)}
    return guarded(work, answers_json)

def quiz_problems(answers_json):
    return guarded(lambda answers: {"problems": field_problems(answers)}, answers_json)

def warm_up():
    import engine.chart
    prepare()

(quiz_verdict, quiz_problems, warm_up)
`;

let engine = null;
let started = null;
const kept = [];  // [url, response] copies to write once the engine is ready

// Sent a staging cache's name (a first visit: no service worker controls the page yet), the
// worker keeps a copy of each runtime file it downloads there, and the service worker moves the
// copies into its own cache (sw.js, cacheRuntime). Copying them out of the browser's HTTP cache
// instead would download the 9 MB WebAssembly runtime a second time wherever that cache is too
// small to hold it, as a private window's is. Pyodide fetches everything but the two scripts it
// imports, and those are small enough for any HTTP cache. The copies are written once the
// engine is ready, so writing 12 MB never competes with starting it.
function keepDownloads(indexURL, stagingCache) {
  if (!stagingCache || typeof caches === "undefined") return;
  const download = self.fetch.bind(self);
  self.fetch = (input, init) => download(input, init).then((response) => {
    if (response.ok && response.url.startsWith(indexURL)) kept.push([response.url, response.clone()]);
    return response;
  });
}

// Emptied first, so the staging cache holds only what this visit loaded, never an older build's files.
async function writeKept(stagingCache) {
  if (!kept.length) return;
  await caches.delete(stagingCache);
  const staging = await caches.open(stagingCache);
  await Promise.all(kept.splice(0).map(([url, response]) => staging.put(url, response)));
}

// The site's lock file names the engine file and its sha256. The worker reads it as soon as it
// starts and hands Pyodide the same response (so it is requested once), then fetches the engine
// while the runtime downloads and starts. The browser checks the bytes against the lock's sha256
// (fetch's integrity option): a file that differs is refused ("Failed to fetch"), its URL named
// in the console.
async function fetchEngine(indexURL, lockURL) {
  const download = self.fetch.bind(self);
  const lock = download(lockURL);
  self.fetch = (input, init) => (input === lockURL ? lock.then((r) => r.clone()) : download(input, init));
  const entry = (await (await lock).clone().json()).packages[ENGINE_DIST];
  const hash = btoa(String.fromCharCode(...entry.sha256.match(/../g).map((byte) => parseInt(byte, 16))));
  const response = await fetch(indexURL + entry.file_name, { integrity: "sha256-" + hash });
  return new Uint8Array(await response.arrayBuffer());
}

async function start(indexURL, stagingCache) {
  const began = performance.now();
  keepDownloads(indexURL, stagingCache);
  const lockURL = indexURL + "pyodide-lock.json";
  // A failure is said at once, while the runtime may still be downloading.
  const engineFile = fetchEngine(indexURL, lockURL);
  engineFile.catch(fail);
  postMessage({ type: "progress", text: "Starting Python…", value: 0.1 });
  importScripts(indexURL + "pyodide.js");
  const pyodide = await self.loadPyodide({ indexURL, lockFileURL: lockURL, stdout: () => {}, stderr: () => {} });
  postMessage({ type: "progress", text: "Loading the verdict engine…", value: 0.9 });
  const pythonReady = performance.now();
  pyodide.FS.writeFile(ENGINE_ZIP, await engineFile);
  const [verdictFunction, problemsFunction, warmUp] = pyodide.runPython(BRIDGE);
  engine = { verdict: verdictFunction, check: problemsFunction };
  const now = performance.now();
  postMessage({ type: "ready", ms: Math.round(now - began), engineMs: Math.round(now - pythonReady) });
  writeKept(stagingCache).catch(() => {}).then(() => postMessage({ type: "kept" }));
  // After "ready": a verdict asked for meanwhile simply waits its turn.
  setTimeout(() => warmUp(), 0);
}

function answer(message) {
  const reply = message.type === "check" ? engine.check(message.text) : engine.verdict(message.text, message.chart);
  postMessage(Object.assign({ type: "result", id: message.id }, JSON.parse(reply)));
}

function fail(error) {
  if (engine) return;
  postMessage({ type: "failed", message: String(error && error.message || error) });
}

// Pyodide 0.25 reports a WebAssembly module that cannot be instantiated (a truncated or
// blocked download) only with console.warn, and loadPyodide then never settles; watching for
// that warning lets the page say so instead of waiting forever.
const warn = console.warn.bind(console);
console.warn = (...args) => {
  warn(...args);
  if (!engine && typeof args[0] === "string" && args[0].startsWith("wasm instantiation failed")) {
    fail(new Error("the WebAssembly runtime could not be loaded"));
  }
};
self.addEventListener("unhandledrejection", (event) => fail(event.reason));

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init" && !started) {
    started = start(message.indexURL, message.stagingCache).catch(fail);
  } else if (message.type === "verdict" || message.type === "check") {
    started.then(() => {
      try {
        answer(message);
      } catch (error) {
        // A failure outside the bridge's own guard: its text may hold a Python traceback, never shown.
        const text = "answers: could not be worked out (the calculator failed)";
        postMessage({ type: "result", id: message.id, error: { field: null, message: text, text } });
      }
    });
  }
};
