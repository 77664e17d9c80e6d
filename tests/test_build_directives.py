"""Data directives: engine figures written into guides at build time."""

from __future__ import annotations

import re

import pytest

from engine import catalog
from sitegen.directives import expand_directives, format_value, money


def expand(text: str):
    return expand_directives(text, catalog, "guide.md", 10)


@pytest.mark.parametrize("parameter, shown", [
    ({"value": 0.035, "unit": "share/year"}, "3.5% a year"),
    ({"value": 0.15, "unit": "share"}, "15%"),
    ({"value": 44, "unit": "currency/hour", "currency": "USD"}, "$44 an hour"),
    ({"value": 100, "unit": "currency/hour", "currency": "AED"}, "AED 100 an hour"),
    ({"value": 90000, "unit": "currency/year", "currency": "GBP"}, "£90,000 a year"),
    ({"value": 1.35, "unit": "ratio"}, "1.35\u00d7"),
    ({"value": 60, "unit": "hours"}, "60 hours"),
    ({"value": 1, "unit": "months"}, "1 month"),
    ({"value": 3, "unit": "count"}, "3"),
])
def test_values_read_as_a_person_would_say_them(parameter, shown):
    assert format_value(parameter) == shown


def test_salary_bands_table_has_a_row_per_level_with_the_catalog_figures():
    text, problems = expand('{{< salary-bands role="data-analyst" market="uk" >}}')
    assert problems == []
    rows = [line for line in text.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| Level | Low | High | Midpoint |"
    assert len(rows) - 1 == len(catalog.levels())
    band = catalog.salary_band("data-analyst", catalog.levels()[0]["slug"], "uk")
    assert rows[1] == f"| {catalog.levels()[0]['name']} | {money(band['low'], 'GBP')} | {money(band['high'], 'GBP')} | {money(band['mid'], 'GBP')} |"
    assert "*Sources: " in text


def test_market_bands_table_has_a_row_per_market():
    text, problems = expand('{{< market-bands role="backend-developer" level="senior" >}}')
    assert problems == []
    for market in catalog.markets():
        assert f"| {market['name']} | {market['currency']} |" in text


def test_parameters_lists_every_figure_with_its_source():
    text, problems = expand("{{< parameters >}}")
    assert problems == []
    for parameter in catalog.parameters():
        assert parameter["label"].replace("|", "\\|") in text


@pytest.mark.parametrize("line, message", [
    ('Before {{< salary-bands role="backend-developer" market="us" >}} after', "put it on a line of its own"),
    ('{{< salary-bands market="us" >}}', "missing argument 'role'; it takes role=\"...\" and optionally market=\"...\""),
    ("{{< value key=job_switch.premium >}}", "write them as key=\"value\""),
    ("{{< value key=\"x\"", "malformed directive"),
])
def test_misused_directives_are_reported_on_their_line(line, message):
    _, problems = expand("Intro\n\n" + line)
    assert [p.line for p in problems] == [12]
    assert message in problems[0].message


EXAMPLE = '{{< plan-example role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="soon" >}}'


def test_plan_example_shows_the_engine_plan_with_its_answers_and_quiz_link():
    import html
    import json

    from engine import verdict

    text, problems = expand("Intro\n\n" + EXAMPLE + "\n")
    assert problems == []
    answers = {"role": "backend-developer", "level": "mid", "market": "us", "hours_per_week": 5, "urgency": "soon"}
    assert f'data-answers="{html.escape(json.dumps(answers, separators=(",", ":")), quote=True)}"' in text
    expected = verdict(answers)
    steps = [json.loads(html.unescape(s)) for s in re.findall(r'data-plan-step="([^"]*)"', text)]
    assert [s["path"] for s in steps] == [s["path"] for s in expected["plan"]] and steps
    assert [(s["start_month"], s["end_month"]) for s in steps] == [(s["start_month"], s["end_month"]) for s in expected["plan"]]
    assert html.escape(expected["tipping_points"][0]["sentence"]) in text
    assert 'href="/quiz/#role=backend-developer&amp;level=mid&amp;market=us&amp;hours_per_week=5&amp;urgency=soon"' in text


def test_quiz_fragment_is_the_quiz_format():
    from sitegen.directives import quiz_fragment

    answers = {"role": "data-analyst", "level": "entry", "market": "in", "salary": 300000, "hours_per_week": 0,
               "urgency": "now", "skills": ["sql", "cloud"], "promotion_track": True}
    assert quiz_fragment(answers) == ("role=data-analyst&level=entry&market=in&salary=300000&hours_per_week=0"
                                      "&urgency=now&skills=sql,cloud&promotion_track=true")
    assert quiz_fragment({**answers, "skills": [], "promotion_track": False}).endswith("&urgency=now")


def test_without_a_market_figures_come_for_every_market_in_its_own_details():
    for directive in ('{{< salary-bands role="data-analyst" >}}', '{{< skill-uplifts role="ml-engineer" >}}'):
        text, problems = expand(directive)
        assert problems == []
        assert re.findall(r'data-market="(\w+)"', text) == [m["slug"] for m in catalog.markets()]
        for market in catalog.markets():
            assert f"<summary>{market['name']} ({market['currency']})</summary>" in text


def test_market_paths_has_a_row_per_market_with_its_raise_and_switch_premium():
    text, problems = expand('{{< market-paths role="devops-engineer" level="senior" >}}')
    assert problems == []
    for market in catalog.markets():
        raise_ = format_value(catalog.parameter(f"baseline.total_raise.{market['slug']}"))
        premium = format_value(catalog.parameter(f"job_switch.premium.{market['slug']}"))
        row = next(line for line in text.splitlines() if line.startswith(f"| {market['name']} |"))
        assert raise_ in row and premium in row


@pytest.mark.parametrize("arguments, message", [
    ('role="backend-developer" level="mid" market="us" hours_per_week="5.5" urgency="soon"', "hours_per_week: '5.5' is not allowed"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="61" urgency="soon"', "hours_per_week"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="later"', "urgency: unknown value 'later'"),
    ('role="backend-developr" level="mid" market="us" hours_per_week="5" urgency="soon"', "unknown role 'backend-developr'"),
    ('role="backend-developer" level="mid" market="fr" hours_per_week="5" urgency="soon"', "unknown market 'fr'"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="soon" salary="95k"', "salary: '95k' is not allowed"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="soon" skills="cloud,"', "skills: 'cloud,' is not allowed"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="soon" skills="cloud,golf"', "unknown skill 'golf'"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="soon" promotion_track="yes"', "promotion_track: 'yes' is not allowed"),
    ('role="backend-developer" level="mid" market="us" urgency="soon"', "missing argument 'hours_per_week'"),
    ('role="backend-developer" level="mid" market="us" hours_per_week="5" urgency="soon" colour="red"', "unknown argument 'colour'"),
])
def test_bad_plan_example_arguments_are_one_line_naming_the_argument(arguments, message):
    text, problems = expand(f"Intro\n\n{{{{< plan-example {arguments} >}}}}\n")
    assert [p.line for p in problems] == [12]
    assert problems[0].message.startswith("{{< plan-example >}}") and message in problems[0].message
    assert "\n" not in problems[0].message and "<section" not in text


def test_plan_example_must_stand_on_its_own_line():
    _, problems = expand("Intro\n\nSee " + EXAMPLE + "\n")
    assert "makes a block: put it on a line of its own" in problems[0].message
