"""Charts are SVG drawn on the server: parseable, named for screen readers, text as text."""

from xml.etree import ElementTree

from unison.console.value import charts
from unison.console.value.charts import Labels

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(svg: str) -> ElementTree.Element:
    assert svg.startswith("<svg")  # no XML prolog or DOCTYPE: it can be inlined in HTML
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output, not untrusted data


class TestCharts:
    def test_a_histogram_carries_its_title_and_labels_in_any_script(self) -> None:
        labels = Labels("განაწილება", "CLV (₾)", "მომხმარებლები")
        svg = charts.histogram([0.0, 10.0, 20.0], [3, 5], labels)
        root = _parsed(svg)
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None
        assert title.text == "განაწილება"
        assert "მომხმარებლები" in svg  # drawn as text, not as glyph outlines

    def test_bars_and_lines_render_hebrew_and_an_empty_chart(self) -> None:
        _parsed(charts.bars(["פלטינה", "זהב"], [1.0, 2.0], Labels("שכבות", "x", "y")))
        _parsed(
            charts.lines(
                ["2026-01", "2026-02"], [("a", [1, 2]), ("b", [2, 1])], Labels("t", "x", "y")
            )
        )
        _parsed(charts.histogram([], [], Labels("empty", "x", "y")))

    def test_the_same_data_gives_the_same_bytes(self) -> None:
        labels = Labels("t", "x", "y")
        assert charts.bars(["a"], [1.0], labels) == charts.bars(["a"], [1.0], labels)
