"""The verdict chart: well-formed, accessible SVG without inline styles."""

import xml.etree.ElementTree as ET

import pytest

from engine import InputError, verdict
from engine.chart import LINE_STYLES, chart_svg, value_ticks

NS = {"svg": "http://www.w3.org/2000/svg"}
BASE = {"role": "backend-developer", "level": "mid", "hours_per_week": 6, "urgency": "soon", "skills": ["cloud"]}


def render(market="us", **extra):
    result = verdict({**BASE, "market": market, **extra})
    return result, chart_svg(result), ET.fromstring(chart_svg(result))


def texts(root):
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


def test_accessible_title_and_description():
    result, svg, root = render()
    assert root.get("role") == "img"
    title = root.find("svg:title", NS)
    desc = root.find("svg:desc", NS)
    assert title is not None and desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    for item in result["paths"]:
        assert item["name"] in desc.text
    assert root.get("viewBox") and root.get("width") is None


def test_no_style_attributes_or_elements():
    _, svg, root = render()
    assert all("style" not in element.attrib for element in root.iter())
    assert root.find(".//svg:style", NS) is None
    assert "style=" not in svg


def test_three_curves_with_distinct_colours_and_dashes_and_a_legend():
    result, _, root = render()
    lines = root.findall(".//svg:polyline", NS)
    assert len(lines) == 3
    assert len({l.get("stroke") for l in lines}) == 3
    assert len({l.get("stroke-dasharray") for l in lines}) == 3
    for line in lines:
        assert len(line.get("points").split()) == 37  # month 0 plus 36 months
    legend = [t for t in texts(root) if ":" in (t or "")]
    assert [t.split(":")[0].removesuffix(" (best)") for t in legend] == [p["name"] for p in result["paths"]]
    assert legend[0].startswith(result["paths"][0]["name"] + " (best):")


@pytest.mark.parametrize("market,mark,code", [("us", "$", "USD"), ("uk", "£", "GBP"), ("in", "₹", "INR"),
                                              ("ae", "AED", "AED")])
def test_axis_labels_carry_the_currency(market, mark, code):
    _, _, root = render(market)
    labels = texts(root)
    value_labels = [t for t in labels if t.lstrip("-").startswith(mark)]
    assert len(value_labels) >= 3
    assert f"Extra income vs staying put ({code})" in labels
    assert {"0", "12", "24", "36", "Month"} <= set(labels)


def test_curve_points_follow_the_monthly_values():
    result, _, root = render()
    best = result["paths"][0]
    line = root.findall(".//svg:polyline", NS)[0]
    ys = [float(point.split(",")[1]) for point in line.get("points").split()]
    # SVG y grows downwards: a higher cumulative gain is a smaller y.
    for (a, b), (ya, yb) in zip(zip(best["monthly"], best["monthly"][1:]), zip(ys[1:], ys[2:])):
        if a < b:
            assert yb < ya
    assert line.get("stroke") == LINE_STYLES[best["path"]]["colour"]


def test_ticks_cover_the_data_including_zero():
    ticks = value_ticks(-5300, 51984)
    assert ticks[0] <= -5300 and ticks[-1] >= 51984 and 0 in ticks
    assert 3 <= len(ticks) <= 12
    assert value_ticks(0, 0)[0] <= 0 <= value_ticks(0, 0)[-1]


def test_id_prefix_keeps_ids_unique_per_chart():
    result = verdict({**BASE, "market": "us"})
    assert 'id="a-title"' in chart_svg(result, id_prefix="a")


def test_chart_refuses_something_that_is_not_a_verdict():
    with pytest.raises(InputError):
        chart_svg({"paths": "nope"})
    with pytest.raises(InputError):
        chart_svg([])


def test_charts_are_valid_html5(tmp_path):
    """One Nu validator run over a chart per market, inlined as the quiz page does."""
    from nu import check

    for market in ("us", "uk", "in", "ae"):
        svg = chart_svg(verdict({**BASE, "market": market}), id_prefix=f"chart-{market}")
        (tmp_path / f"{market}.html").write_text(
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Chart</title></head>'
            f"<body><figure>{svg}</figure></body></html>", encoding="utf-8")
    assert check([str(tmp_path)]) == []
