"""Data directives: engine figures written into guides at build time."""

from __future__ import annotations

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
    ('{{< salary-bands role="backend-developer" >}}', 'takes role="..." market="..."'),
    ("{{< value key=job_switch.premium >}}", "write them as key=\"value\""),
    ("{{< value key=\"x\"", "malformed directive"),
])
def test_misused_directives_are_reported_on_their_line(line, message):
    _, problems = expand("Intro\n\n" + line)
    assert [p.line for p in problems] == [12]
    assert message in problems[0].message
