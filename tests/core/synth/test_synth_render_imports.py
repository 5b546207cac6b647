"""The written module imports each name once, even when a value and the target both bind it."""

from __future__ import annotations

from regoose_tui.synth.pools import SymbolTable
from regoose_tui.synth.render import RenderedTest, render_module


def test_a_class_a_drawn_value_imports_from_its_public_home_is_not_imported_again() -> None:
    # mdurl._parse does `from mdurl._url import URL`; the drawn value says `from mdurl import URL`.
    symbols = SymbolTable()
    symbols.symbol("URL")
    symbols.symbol("url_parse")
    body = (
        "def test_parse():\n"
        "    assert url_parse(URL('http:', True, None, 'a', None, '/', None, None)) is not None\n"
    )
    test = RenderedTest("test_parse", body, None, {"from mdurl import URL"})  # type: ignore[arg-type]  # render_module reads only name, source and imports
    source = render_module("mdurl._parse", [test], symbols)
    assert "from mdurl import URL\n" in source
    assert "from mdurl._parse import url_parse\n" in source
    assert source.count("URL\n") == 1, source
