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


def path_lines(root):
    return [l for l in root.findall(".//svg:polyline", NS) if l.get("class") == "chart-path"]


def test_three_path_curves_with_distinct_colours_and_dashes_and_a_legend():
    result, _, root = render()
    lines = path_lines(root)
    assert len(lines) == 3
    assert len({l.get("stroke") for l in lines}) == 3
    assert len({l.get("stroke-dasharray") for l in lines}) == 3
    for line in lines:
        assert len(line.get("points").split()) == 37  # month 0 plus 36 months
    legend = [t for t in texts(root) if ": " in (t or "")]
    assert legend[0].startswith("Your plan: ")
    assert [t.split(" alone:")[0] for t in legend[1:]] == [p["name"] for p in result["paths"]]
    assert "Your plan's likely range (P10 to P90)" in texts(root)


def points_of(element):
    return [tuple(float(v) for v in point.split(",")) for point in element.get("points").split()]


def test_the_plan_curve_sits_in_a_band_through_the_simulated_ranges():
    result, _, root = render(urgency="flexible", hours_per_week=10)
    plan = result["plan_result"]
    [line] = [l for l in root.findall(".//svg:polyline", NS) if l.get("class") == "chart-plan"]
    [band] = [p for p in root.findall(".//svg:polygon", NS) if p.get("class") == "chart-band"]
    assert line.get("stroke") == "currentColor" and band.get("fill") == "currentColor"
    curve = points_of(line)
    outline = points_of(band)
    assert len(curve) == 37 and len(outline) == 74
    upper, lower = outline[:37], outline[37:][::-1]
    # The axis is linear: two known values fix it, and the band's edges read back as money.
    (x0, y0), (_, y36) = curve[0], curve[36]
    scale = (y36 - y0) / plan["monthly"][-1]
    as_money = lambda y: (y - y0) / scale  # noqa: E731
    for month, key in ((12, "range_12m"), (36, "range_36m")):
        assert as_money(lower[month][1]) == pytest.approx(plan[key]["p10"], abs=60)
        assert as_money(upper[month][1]) == pytest.approx(plan[key]["p90"], abs=60)
        assert upper[month][0] == curve[month][0] == lower[month][0]
    assert upper[0] == lower[0] == curve[0]
    desc = root.find("svg:desc", NS).text
    assert "months 12 and 36 only" in desc and "P10 to P90" in desc


def test_the_ranking_month_is_marked():
    result, _, root = render(urgency="now")
    [mark] = [l for l in root.findall(".//svg:line", NS) if l.get("class") == "chart-ranking"]
    ticks = {t.text: float(t.get("x")) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text in ("0", "6", "12")}
    assert float(mark.get("x1")) == pytest.approx(ticks[str(result["ranking_month"])], abs=0.1)
    assert f"Ranked at month {result['ranking_month']}" in texts(root)


def test_text_and_axes_take_the_page_text_colour():
    _, svg, root = render()
    assert "#333" not in svg and "#ddd" not in svg
    group = root.find("svg:g", NS)
    assert group.get("fill") == "currentColor"
    assert all(t.get("fill") in (None, "currentColor") for t in root.iter("{http://www.w3.org/2000/svg}text"))


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
    line = path_lines(root)[0]
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
    assert len(value_ticks(0, 0)) >= 2


def test_staying_put_with_every_curve_flat_still_draws():
    result = verdict({"role": "ml-engineer", "level": "lead", "market": "us", "salary": 400000,
                      "hours_per_week": 0, "urgency": "now"})
    assert result["plan"] == [] and set(result["plan_result"]["monthly"]) == {0}
    root = ET.fromstring(chart_svg(result))
    assert "Your plan: stay where you are: $0" in texts(root)


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


@pytest.mark.parametrize("text", ["Tom & Jerry's <b>\"pay\"</b>", "&amp;", "plain", "", "<<>>''\"\"&&"])
def test_the_charts_escape_is_html_escape(text):
    """The chart escapes text itself (importing html would cost the browser's first chart a
    compile of its entity table); it must stay exactly html.escape."""
    import html

    from engine.chart import escape

    assert escape(text) == html.escape(text)


def test_the_chart_imports_no_html_module():
    import subprocess
    import sys

    probe = "import sys, engine.chart; print('html' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
