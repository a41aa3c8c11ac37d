"""The memo's HTML and Markdown: markup typed by a person never becomes markup."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from thesis_desk.core.memo import markdown_to_html


def test_narrative_markdown_renders_headings_lists_emphasis_and_web_links_only():
    html = markdown_to_html("# Case\n\nSome *em*, **bold** and [a link](https://ex.com).\n"
                            "- one\n- two\n\n1. first\n2. second\n\n"
                            "[local](file:///etc/passwd) ![pic](http://x/y.png) <b>raw</b>")
    assert "<h3>Case</h3>" in html
    assert "<i>em</i>" in html and "<b>bold</b>" in html
    assert '<a href="https://ex.com">a link</a>' in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<ol><li>first</li><li>second</li></ol>" in html
    assert "[local](file:///etc/passwd)" in html  # left as typed, not a link
    assert "<img" not in html and "&lt;b&gt;raw&lt;/b&gt;" in html


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_typed_text_becomes_a_tag_other_than_the_converters_own(text):
    html = markdown_to_html(text)
    tags = set(re.findall(r"</?([a-zA-Z0-9]+)", html))
    assert tags <= {"h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "b", "i", "code", "a",
                    "blockquote"}
    for href in re.findall(r'<a href="([^"]*)"', html):
        assert href.startswith(("http://", "https://", "mailto:"))


def test_a_long_series_is_reduced_for_its_printed_chart_keeping_spikes_and_ends():
    import datetime as dt

    from thesis_desk.core.memo import MemoMetric

    n = 100_000
    dates = tuple(dt.date(1800, 1, 1) + dt.timedelta(days=i) for i in range(n))
    values = [float(i % 50) for i in range(n)]
    values[54_321] = 1e6  # one spike
    m = MemoMetric(1, "m", "", "up", dates, tuple(values), (), (), (), ())
    xs, ys = m.chart_points()
    assert len(xs) <= 4002 and xs == sorted(xs)
    assert (xs[0], xs[-1]) == (dates[0], dates[-1]) and ys[-1] == values[-1]
    assert max(ys) == 1e6 and min(ys) == 0.0
    short = MemoMetric(1, "m", "", "up", dates[:10], tuple(values[:10]), (), (), (), ())
    assert short.chart_points() == (list(dates[:10]), values[:10])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, 2.5, -3.0, 7.0]) | st.floats(-1e9, 1e9),
                min_size=1, max_size=3000),
       st.sampled_from([4, 5, 7, 10, 100, 4000]))
def test_a_printed_charts_points_are_each_stretchs_first_lowest_and_highest(values, limit):
    """chart_points as defined: the ends, and in each of limit/2 stretches the first
    point at its lowest and the first at its highest value (ties and -0.0 included)."""
    import datetime as dt

    import numpy as np

    from thesis_desk.core.memo import MemoMetric

    dates = tuple(dt.date(2000, 1, 1) + dt.timedelta(days=i) for i in range(len(values)))
    m = MemoMetric(1, "m", "", "up", dates, tuple(values), (), (), (), ())
    n = len(values)
    if n <= limit:
        expected = list(range(n))
    else:
        edges = np.linspace(0, n, limit // 2 + 1).astype(int)
        keep = {0, n - 1}
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            if hi > lo:
                part = values[lo:hi]
                keep.add(lo + part.index(min(part)))
                keep.add(lo + part.index(max(part)))
        expected = sorted(keep)
    assert m.chart_points(limit) == ([dates[i] for i in expected], [values[i] for i in expected])
