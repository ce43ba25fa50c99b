"""Charts are inline SVG: parseable XML, bars proportional to values, labels escaped."""

from decimal import Decimal

from lxml import etree
from tieout_demo.charts import (
    _nice_max,
    bar_chart,
    horizontal_bar_chart,
    line_chart,
    money,
    stacked_bar_chart,
)


def _svg(text: str):
    return etree.fromstring(text.encode())


def test_given_values_when_bar_chart_then_bar_heights_are_proportional():
    svg = _svg(bar_chart(["a", "b"], [100, 50], title="t"))
    rects = [r for r in svg.iter("{http://www.w3.org/2000/svg}rect")]
    heights = [float(r.get("height")) for r in rects]
    assert len(heights) == 2
    assert abs(heights[0] - 2 * heights[1]) < 0.5


def test_given_two_series_when_stacked_then_each_label_has_one_rect_per_series_and_a_legend():
    svg = _svg(stacked_bar_chart(["Current", "1-30"], {"net": [10, 20], "retainage": [5, 0]}, title="AR"))
    rects = list(svg.iter("{http://www.w3.org/2000/svg}rect"))
    assert len(rects) == 4 + 2  # 2 labels x 2 series + 2 legend swatches
    assert "retainage" in etree.tostring(svg).decode()


def test_given_markup_in_a_label_when_rendered_then_it_is_escaped():
    text = horizontal_bar_chart(["<script>alert(1)</script>"], [3], title="x")
    assert "<script>" not in text
    _svg(text)  # still well-formed


def test_given_missing_points_when_line_chart_then_only_known_points_are_drawn():
    svg = _svg(line_chart(["Jan", "Feb", "Mar"], {"DSO": [40, None, 45]}, title="DSO", fmt=str))
    assert len(list(svg.iter("{http://www.w3.org/2000/svg}circle"))) == 2


def test_given_amounts_when_formatted_then_money_is_rounded_dollars_with_sign():
    assert money(Decimal("1234.56")) == "$1,235"
    assert money(-50) == "-$50"
    assert money(None) == "-"


def test_given_axis_maxima_when_rounded_then_they_land_on_1_2_5_steps():
    assert _nice_max(0) == 1.0
    assert _nice_max(7) == 10
    assert _nice_max(130) == 200
    assert _nice_max(480_000) == 500_000
