"""The verdict view in headless Chromium: the plan, its ranges, what-ifs, links that never guess,
the page API's refusals, the chart's contrast and axe-core's checks."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from urllib.parse import unquote, urlsplit

import pytest

from engine.money import money_range, signed_money, significant
from engine.validate import field_problems
from tests import quizkit
from tests.test_quiz_browser import READY_MS, SHOWN, browser, cli, server, visit  # noqa: F401  (fixtures)

AXE = quizkit.ROOT / "node_modules" / "axe-core" / "axe.min.js"
ALERT = "#quiz-link-problems:not([hidden])"
BASE = {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 5, "urgency": "soon"}
# A plan of several steps, one with a single path, and staying put.
PLANS = [
    dict(BASE, hours_per_week=10, urgency="flexible"),
    dict(BASE, role="data-analyst", level="entry", market="in", hours_per_week=0, urgency="now", promotion_track=True),
    dict(BASE, role="ml-engineer", level="lead", salary=400000, hours_per_week=0, urgency="now"),
]


def fragment(answers: dict) -> str:
    parts = []
    for key in ["role", "level", "market", "salary", "hours_per_week", "urgency"]:
        if key in answers:
            parts.append(f"{key}={answers[key]}")
    if answers.get("skills"):
        parts.append("skills=" + ",".join(answers["skills"]))
    if answers.get("promotion_track"):
        parts.append("promotion_track=true")
    return "&".join(parts)


def open_verdict(visit, answers: dict, **options):
    v = visit(**options)
    v.open("/quiz/#" + fragment(answers))
    v.page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    return v


def months(step: dict) -> str:
    if step["end_month"] is None:
        return f"From month {step['start_month']}"
    if step["end_month"] == step["start_month"]:
        return f"Month {step['start_month']}"
    return f"Months {step['start_month']}\u2013{step['end_month']}"


@pytest.mark.parametrize("answers", PLANS, ids=["several-steps", "one-step", "stay-put"])
def test_the_plan_rows_ranges_and_chances_are_the_engines(visit, answers):
    expected = json.loads(cli(answers))
    page = open_verdict(visit, answers).page
    currency = expected["currency"]
    assert page.get_attribute("#quiz-result", "data-best-path") == expected["best_path"]
    rows = page.locator("[data-plan-step]")
    assert [rows.nth(i).get_attribute("data-plan-step") for i in range(rows.count())] == \
        [step["path"] for step in expected["plan"]]
    for i, step in enumerate(expected["plan"]):
        text = rows.nth(i).inner_text()
        assert months(step) in text and step["summary"] in text, (i, text)
    result = page.locator("#quiz-result").inner_text()
    if expected["plan"]:
        plan = expected["plan_result"]
        for month in (12, 36):
            span = plan[f"range_{month}m"]
            assert f"{money_range(span['p10'], span['p90'], currency)} by month {month}" in result
            assert f"(median {signed_money(span['p50'], currency)})" in result
    else:
        assert page.locator("[data-plan-empty]").inner_text() == "Stay where you are for now."
        assert expected["sequence_reason"] in result
    cards = page.locator(".verdict-path")
    assert cards.count() == 3
    for i, path in enumerate(expected["paths"]):
        text = cards.nth(i).inner_text()
        assert path["name"] in text
        for month in (12, 36):
            span = path[f"range_{month}m"]
            assert money_range(span["p10"], span["p90"], currency) in text or \
                (span["p10"] == span["p90"] and signed_money(span["p10"], currency) in text)
        fifths = math.floor(path["chance_best"] * 5 + 0.5)  # the page rounds halves up (the way Math.round does)
        if 0 < path["chance_best"] < 1 and 0 < fifths < 5:
            assert f"Best in {fifths} of 5 cases" in text
    # Nothing to the unit: no gain appears unrounded.
    gains = [item[key] for item in expected["paths"] + [expected["plan_result"]] for key in ("gain_12m", "gain_36m")]
    for gain in gains:
        if abs(gain) >= 1000 and significant(gain) != gain:
            assert f"{abs(gain):,}" not in result and f"{abs(gain)}" not in result, gain
    assert page.locator(".verdict-chart svg").count() == 1


def test_a_tipping_point_button_applies_its_change_and_updates_the_link(visit):
    answers = dict(BASE)
    expected = json.loads(cli(answers))
    assert expected["tipping_points"], "these answers should have what-ifs"
    v = open_verdict(visit, answers)
    page = v.page
    buttons = page.locator("button[data-tipping-field]")
    assert buttons.count() == len(expected["tipping_points"])
    for i, tip in enumerate(expected["tipping_points"]):
        button = buttons.nth(i)
        assert button.get_attribute("data-tipping-field") == tip["field"]
        assert tip["sentence"].rstrip(".") in button.inner_text()
    # Each kind of value: a number of hours, an urgency, a list of skills.
    for field in ("hours_per_week", "urgency", "skills"):
        page.goto(v.server.origin + "/quiz/#" + fragment(answers))
        page.reload()
        page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
        tip = next(t for t in expected["tipping_points"] if t["field"] == field)
        button = page.locator(f'button[data-tipping-field="{field}"]').first
        value = button.get_attribute("data-tipping-value")
        assert value == (",".join(tip["value"]) if isinstance(tip["value"], list) else f"{tip['value']:g}"
                         if isinstance(tip["value"], float) else str(tip["value"]))
        button.focus()
        page.keyboard.press("Enter")
        quizkit.wait_until(page, "(p) => document.getElementById('quiz-result').dataset.bestPath === p", tip["best_path"])
        changed = dict(answers, **{field: tip["value"]})
        assert json.loads(cli(changed))["best_path"] == tip["best_path"]
        assert f"{field}={value}" in urlsplit(page.url).fragment
        assert page.evaluate("document.activeElement.id") == "verdict-title"
    assert not [m for m in v.console if m.startswith("pageerror")]
    assert v.csp_violations() == []


BAD_LINKS = [
    ("hours_per_week", "61", {"hours_per_week": 61}),
    ("salary", "95%2C000", {"salary": "95,000"}),
    ("salary", "NaN", {"salary": math.nan}),
    ("role", "astronaut", {"role": "astronaut"}),
    ("urgency", "yesterday", {"urgency": "yesterday"}),
]


@pytest.mark.parametrize("field,text,answer", BAD_LINKS, ids=[f"{f}={t}" for f, t, _ in BAD_LINKS])
def test_a_link_with_a_refused_value_shows_an_alert_and_no_verdict(visit, field, text, answer):
    full = dict(BASE, salary=120000, skills=["sql"])
    link = "&".join(part if not part.startswith(field + "=") else f"{field}={text}" for part in fragment(full).split("&"))
    v = visit()
    v.open("/quiz/#" + link)
    page = v.page
    page.wait_for_selector(ALERT, state="attached", timeout=READY_MS)
    message = field_problems(answer)[field]  # the engine's own one line
    alert = page.locator("#quiz-link-problems")
    assert alert.get_attribute("role") == "alert" and alert.is_visible()
    assert f"{field}={unquote(text)} not used: {message}" in alert.inner_text()
    slot = page.locator(f"#q-{field.replace('_', '-')}-error")
    assert slot.is_visible() and slot.inner_text().endswith(message)
    # No verdict, now or once the engine has had time to answer anything else it was asked.
    page.wait_for_timeout(300)
    assert page.is_hidden("#quiz-result") and page.get_attribute("#quiz-app", "data-verdict") is None
    # What was valid is filled in; the refused value is not.
    assert page.is_checked("input[name=skills][value=sql]") and page.is_checked("input[name=market][value=us]")
    if field != "role":
        assert page.input_value("#q-role") == "backend-developer"
    if field == "hours_per_week":
        assert page.input_value("#q-hours") == ""
    if field == "salary":
        assert page.input_value("#q-salary") == ""
    assert not [m for m in v.console if m.startswith("pageerror")]


def test_a_link_with_a_repeated_key_shows_an_alert_and_no_verdict(visit):
    v = visit()
    v.open("/quiz/#" + fragment(BASE) + "&hours_per_week=20")
    page = v.page
    page.wait_for_selector(ALERT, state="attached", timeout=READY_MS)
    assert "hours_per_week=5, hours_per_week=20 not used: hours_per_week: given 2 times" in \
        page.locator("#quiz-link-problems").inner_text()
    assert page.locator("#q-hours-per-week-error").is_visible()
    page.wait_for_timeout(300)
    assert page.is_hidden("#quiz-result")
    # Fixing the marked answer and asking gives the verdict, and the alert goes.
    page.fill("#q-hours", "5")
    page.click("button[type=submit]")
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    assert page.is_hidden("#quiz-link-problems")
    assert page.get_attribute("#quiz-result", "data-best-path") == json.loads(cli(BASE))["best_path"]


def cli_error(text: str) -> str:
    done = subprocess.run([sys.executable, "-m", "engine"], input=text, capture_output=True, text=True,
                          cwd=quizkit.ROOT, timeout=60)
    assert done.returncode == 2 and done.stderr.startswith("error: "), done.stderr
    return done.stderr.strip().removeprefix("error: ")


API_REFUSALS = [
    # (JavaScript expression for the answers, the same answers as JSON for the command line or None)
    ("Object.assign({}, BASE, {salary: NaN})", '{"salary": NaN}'),
    ("Object.assign({}, BASE, {hours_per_week: Infinity})", '{"hours_per_week": Infinity}'),
    ("Object.assign({}, BASE, {salary: -Infinity})", '{"salary": -Infinity}'),
    ("Object.assign({}, BASE, {bogus: 1})", '{"bogus": 1}'),
    ("Object.assign({}, BASE, {skills: ['cloud', 'cobol']})", '{"skills": ["cloud", "cobol"]}'),
    ("'role=backend-developer'", None),
    ("42", None),
    ("null", None),
    ("[BASE]", None),
]


def test_the_page_api_refuses_exactly_as_the_command_line_does(visit):
    v = visit()
    v.open("/quiz/")
    v.wait_ready()
    page = v.page
    base = json.dumps(BASE)
    for expression, extra in API_REFUSALS:
        got = page.evaluate(f"""() => {{ const BASE = {base};
            return window.earnverdict.verdict({expression}).then(() => null, (e) => [e.field, e.message]); }}""")
        answers_text = (base[:-1] + ", " + extra[1:]) if extra else page.evaluate(f"() => JSON.stringify({expression})".replace("BASE", base))
        expected = cli_error(answers_text)
        assert got is not None, expression
        assert got[1] == expected, (expression, got, expected)
        assert got[0] == expected.split(":")[0]
    # undefined has no JSON spelling: the engine still names it instead of reading "not given".
    for expression, field in [("Object.assign({}, BASE, {salary: undefined})", "salary"),
                              ("Object.assign({}, BASE, {role: undefined})", "role"),
                              ("Object.assign({}, BASE, {skills: [undefined]})", "skills"),
                              ("undefined", "answers")]:
        got = page.evaluate(f"""() => {{ const BASE = {base};
            return window.earnverdict.verdict({expression}).then(() => null, (e) => [e.field, e.message]); }}""")
        assert got and got[0] == field and got[1].startswith(field + ": ") and "got undefined" in got[1], (expression, got)
        assert "\n" not in got[1] and "Traceback" not in got[1]


def test_a_salary_below_any_band_gets_a_message_in_the_visitors_terms(visit):
    v = visit()
    v.open("/quiz/#" + fragment(BASE))
    page = v.page
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    page.fill("#q-salary", "0.4")
    page.click("button[type=submit]")
    error = page.locator("#q-salary-error")
    assert error.is_visible()
    text = error.inner_text()
    assert "far below" in text and "year" in text and "1e+09" not in text and "more than 0" not in text


def relative_luminance(rgb) -> float:
    def channel(c):
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


# Each chart text's computed fill, the lines' computed strokes (with their opacity), and the
# colour actually behind the chart: the first opaque background among its ancestors.
CHART_COLOURS = """() => {
    const rgb = (text) => (text.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
    const svg = document.querySelector('.verdict-chart svg');
    let node = svg, background = null;
    while (node && node.nodeType === 1) {
        const colour = rgb(getComputedStyle(node).backgroundColor);
        if (colour.length === 3 || (colour.length === 4 && colour[3] === 1)) { background = colour.slice(0, 3); break; }
        node = node.parentElement;
    }
    const texts = Array.from(svg.querySelectorAll('text'), (t) => [t.textContent, rgb(getComputedStyle(t).fill)]);
    const lines = Array.from(svg.querySelectorAll('line, polyline'), (l) => {
        const style = getComputedStyle(l);
        return [l.getAttribute('class') || l.localName, rgb(style.stroke), Number(style.strokeOpacity)];
    });
    return {background, texts, lines};
}"""


@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_the_charts_text_and_lines_keep_their_contrast(visit, scheme):
    page = open_verdict(visit, PLANS[0], color_scheme=scheme).page
    measured = page.evaluate(CHART_COLOURS)
    background = measured["background"]
    assert background is not None
    assert (sum(background) < 3 * 128) == (scheme == "dark"), background
    assert len(measured["texts"]) > 10
    for text, fill in measured["texts"]:
        assert contrast(fill[:3], background) >= 4.5, (text, fill, background)
    for name, stroke, opacity in measured["lines"]:
        seen = [round(c * opacity + b * (1 - opacity)) for c, b in zip(stroke[:3], background)]
        assert contrast(seen, background) >= 3, (name, stroke, opacity, background)


def axe_violations(page) -> list:
    found = page.evaluate("""async () => {
        const results = await axe.run(document);
        return {passed: results.passes.map((p) => p.id), violations: results.violations.map(
            (v) => [v.id, v.impact, v.nodes.map((n) => n.target.join(' ')).slice(0, 5)])};
    }""")
    # The checks ran: contrast among them, and labels, which the quiz has plenty of.
    assert {"color-contrast", "label"} <= set(found["passed"]), found["passed"]
    return found["violations"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_before_and_after_a_verdict(visit, scheme):
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: `make test` installs it with npm ci (package-lock.json)")
    v = visit(color_scheme=scheme, viewport={"width": 390, "height": 800})
    # An init script runs outside the page's Content-Security-Policy, which rightly refuses
    # an inline <script> (add_script_tag), so that is how axe gets in.
    v.context.add_init_script(path=str(AXE))
    v.open("/quiz/")
    page = v.page
    page.wait_for_load_state("load")
    assert axe_violations(page) == []
    page.goto(v.server.origin + "/quiz/#" + fragment(BASE))
    page.reload(wait_until="load")
    page.wait_for_selector(SHOWN, state="attached", timeout=READY_MS)
    page.evaluate("document.querySelector('.verdict-sources').open = true")
    assert axe_violations(page) == []
    # A link the quiz refuses: the alert and the marked answers too.
    page.goto(v.server.origin + "/quiz/#" + fragment(BASE).replace("hours_per_week=5", "hours_per_week=61"))
    page.reload(wait_until="load")
    page.wait_for_selector(ALERT, state="attached", timeout=READY_MS)
    assert axe_violations(page) == []
    assert v.csp_violations() == []
