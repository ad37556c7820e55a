"""crawler/extract.py's load_utf8: lxml reads a UTF-8 body itself, and builds exactly the tree trafilatura's
load_html builds from the text w3lib decodes (the way every page went before), or declines."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from trafilatura.utils import load_html

from borderwatch.crawler import extract as extract_module
from borderwatch.crawler.extract import decode, extract, load_utf8

FIXTURES = Path(__file__).parent / "fixtures"
PAGES = sorted(FIXTURES.rglob("*.html"))
WORDS = b"word " * 300
PAGE = (
    FIXTURES / "outlets" / "_standins" / "wordpress" / "article-spacenews-2019-nasa-lunar-landers.html"
).read_bytes()


def _old(body: bytes, encoding: str):
    return load_html(decode(body, encoding))


def _same(a, b) -> bool:
    if not hasattr(a, "tag") or not hasattr(b, "tag"):
        return a is b
    return etree.tostring(a, encoding="unicode") == etree.tostring(b, encoding="unicode")


def test_every_fixture_page_parses_the_same_from_its_bytes():
    assert len(PAGES) >= 20
    fast = 0
    for path in PAGES:
        body = path.read_bytes()
        new = load_utf8(body, "utf-8")
        if new is NotImplemented:
            continue
        fast += 1
        assert _same(new, _old(body, "utf-8")), path
    assert fast == len(PAGES)  # every fixture page is valid UTF-8 without a byte order mark


EDGE = {
    # load_html's repairs: control characters and U+FFFE/U+FFFF, an XHTML doctype (with and without a
    # newline after it), a self-closing <html/>
    "control": b"<html><body><article><p>a\x01b\x0bc\x1f d\xef\xbf\xbe\xef\xbf\xbf "
    + WORDS
    + b"</p></article></body></html>",
    "xhtml_doctype": b'<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
    b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd"><html><body><p>caf\xc3\xa9 '
    + WORDS
    + b"</p></body></html>",
    "xhtml_doctype_nl": b'<!DOCTYPE html SYSTEM "about:legacy-compat" / >\n<html><body><p>'
    + WORDS
    + b"</p></body></html>",
    "self_closing_html": b'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/></head>\n<body><p>'
    + WORDS
    + b"</p></body></html>",
    "xml_declaration": b'<?xml version="1.0" encoding="utf-8"?>\n' + PAGE,  # (lxml refuses it as a str)
    "crlf": PAGE.replace(b"\n", b"\r\n"),
    # the declared charset loses to the response's, as it did in w3lib
    "meta_latin1": b'<html><head><meta charset="iso-8859-1"></head><body><p>A\xc3\xb1o '
    + WORDS
    + b"</p></body></html>",
}


@pytest.mark.parametrize("name", sorted(EDGE))
def test_repaired_and_odd_pages_parse_the_same(name):
    body = EDGE[name]
    new = load_utf8(body, "utf-8")
    assert new is not NotImplemented
    assert _same(new, _old(body, "utf-8"))


@pytest.mark.parametrize(
    "body,encoding",
    [
        (b"\xef\xbb\xbf<html><body><p>x</p></body></html>", "utf-8"),  # a byte order mark decides in w3lib
        (b"<html><body><p>caf\xe9</p></body></html>", "utf-8"),  # not UTF-8: w3lib replaces the byte
        (b"<html><body><p>caf\xe9</p></body></html>", "cp1252"),
        (b"", "utf-8"),
        (b"<p>a fragment</p>", "utf-8"),
    ],
)
def test_declines_what_only_the_old_way_reads(body, encoding):
    assert load_utf8(body, encoding) is NotImplemented


def test_extract_gives_the_same_article_either_way():
    url = "https://spacenews.com/nasa-lunar-landers/"
    assert load_utf8(PAGE, "utf-8") is not NotImplemented
    ex = extract(PAGE, url, None, "utf-8")
    assert ex is not None and ex.text
    assert ex == extract(decode(PAGE, "utf-8"), url)


def test_skipping_unused_metadata_changes_no_field(monkeypatch):
    """Categories, tags and the license are never read: not working them out leaves every field the same."""
    url = "https://spacenews.com/nasa-lunar-landers/"
    skipped = extract(PAGE, url, None, "utf-8")
    import trafilatura.metadata as meta

    assert set(extract_module.ORIGINAL_METADATA) >= {"extract_catstags", "extract_license"}
    for name, original in extract_module.ORIGINAL_METADATA.items():
        if name:
            monkeypatch.setattr(meta, name, original)
    assert extract(PAGE, url, None, "utf-8") == skipped
