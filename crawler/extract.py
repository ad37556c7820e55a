"""trafilatura: page HTML -> main text and metadata (title, author, date, language)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urljoin

from .discovery import parse_date
from .outlets.base import ExtractFixes


def _return_big_buffers_to_the_os() -> None:
    """Pin glibc's mmap threshold at its 128 KB default (as MALLOC_MMAP_THRESHOLD_=131072 would).

    Pages are 0.1-1.5 MB strings. glibc raises its mmap threshold each time such a block is freed, after which
    page-sized blocks come from the heap, fragment it and are not given back: the crawling process and every
    worker keep growing. A fixed threshold keeps each page in its own mapping, unmapped when freed (measured
    on the bench branch: -31 MB peak RSS over the process tree on a 1,000-article run). Runs on import, in the
    crawling process and in every extraction worker.
    """
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


_return_big_buffers_to_the_os()


@dataclass
class Extracted:
    title: str | None
    text: str
    author: str | None
    published: datetime | None
    language: str | None
    canonical: str | None  # the page's <link rel="canonical">, made absolute


# Dates: only what the page declares (meta tags, JSON-LD, <time>, the URL), never htmldate's "extensive"
# guess from free text, which takes a footer's "© 2026" for the publication date and files the story as old.
# The feed's date is preferred anyway (crawler/pipelines.py).


# What we ask trafilatura for (bench/run.py's trafilatura-alone baseline uses the same options).
EXTRACT_OPTIONS = dict(
    with_metadata=True,
    include_comments=False,
    include_tables=False,
    include_images=False,
    include_links=False,
    deduplicate=False,
)


# What bare_extraction's metadata step works out that nothing in borderwatch reads (Extracted keeps title,
# author and date; the canonical link is our own): categories, tags and the license, ~5 ms of a ~45 ms page
# here, with every other field the same (tests/test_extract_bytes.py). Replaced in the processes that call
# extract(), on its first call, so trafilatura used elsewhere in a process that never extracts (bench/run.py's
# trafilatura-alone baseline) keeps them.
_UNUSED_METADATA = {"extract_catstags": lambda *_a, **_k: [], "extract_license": lambda *_a, **_k: None}
ORIGINAL_METADATA: dict = {}


def skip_unused_metadata() -> None:
    if ORIGINAL_METADATA:
        return
    import trafilatura.metadata as meta

    for name, stub in _UNUSED_METADATA.items():
        if callable(getattr(meta, name, None)):  # (a later trafilatura without it: nothing to skip)
            ORIGINAL_METADATA[name] = getattr(meta, name)
            setattr(meta, name, stub)
    ORIGINAL_METADATA.setdefault("", None)  # done, even when nothing was replaced


def canonical_link(tree, url: str) -> str | None:
    """The page's own canonical link, resolved as a browser would (against <base href> when there is one)."""
    hrefs = tree.xpath('//link[@rel="canonical"]/@href')
    href = hrefs[0].strip() if hrefs else ""
    if not href:
        return None
    base = tree.xpath("//base/@href")
    return urljoin(urljoin(url, base[0].strip()) if base else url, href)


def decode(body: bytes, encoding: str) -> str:
    """The page's text exactly as Scrapy's TextResponse.text decodes it (w3lib, the response's encoding)."""
    from w3lib.encoding import html_to_unicode

    return html_to_unicode(f"charset={encoding}", body)[1]


# What trafilatura.utils.repair_faulty_html removes from a page (its INVALID_XML_CHARS), as UTF-8 bytes:
# control characters (never part of a longer UTF-8 character) and U+FFFE / U+FFFF.
_CONTROL_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_NONCHARACTERS = (b"\xef\xbf\xbe", b"\xef\xbf\xbf")


def load_utf8(body: bytes, encoding: str | None):
    """The tree trafilatura.utils.load_html builds from the decoded page, with lxml reading the UTF-8 body.

    load_html takes text, and lxml turns a str back into UTF-8 before parsing it: decoding a 300 KB page,
    scanning it for repairs and parsing the str cost ~9 ms a page here, against ~4 ms this way, with
    trafilatura's own parser. The text is exactly what w3lib decodes (strictly valid UTF-8, no byte order
    mark), and a page that needs one of load_html's repairs gets it (trafilatura's own repair_faulty_html)
    before it is parsed. Returns NotImplemented when the shortcut does not apply (another encoding, a byte
    order mark, bytes that are not UTF-8, a body lxml fails on or parses empty): the caller decodes the
    page and calls load_html as before.
    """
    from lxml.html import fromstring
    from trafilatura.utils import DOCTYPE_TAG, HTML_PARSER, is_dubious_html, repair_faulty_html
    from w3lib.encoding import read_bom, resolve_encoding

    if not encoding or resolve_encoding(encoding) != "utf-8" or read_bom(body)[0] is not None:
        return NotImplemented
    try:
        text = body.decode("utf-8")  # strict: valid UTF-8 is exactly the text w3lib would have produced
    except UnicodeDecodeError:
        return NotImplemented
    beginning = text[:50].lower()
    if (
        len(body.translate(None, _CONTROL_BYTES)) != len(body)
        or (b"\xef\xbf" in body and any(nc in body for nc in _NONCHARACTERS))
        or ("doctype" in beginning and ("\n" not in text or DOCTYPE_TAG.search(text.partition("\n")[0])))
        or any("<html" in line and line.endswith("/>") for line in text[:4096].splitlines()[:4])
    ):
        body = repair_faulty_html(text, beginning).encode("utf-8")  # (rare: what load_html would parse)
    try:
        tree = fromstring(body, parser=HTML_PARSER)
    except Exception:  # (load_html logs it and tries the other way)
        return NotImplemented
    if tree is None or len(tree) < 1:
        return NotImplemented
    if is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


def extract(
    html: str | bytes, url: str, fixes: ExtractFixes | None = None, encoding: str | None = None
) -> Extracted | None:
    """Main text and metadata of one page, or None when the page has no main text.

    `fixes` are the outlet's corrections (crawler/outlets/): chrome removed before trafilatura sees the
    page, bylines and titles cleaned after. The page is parsed once, here in the extraction worker: the
    canonical link is read from the tree trafilatura then works on, so the crawling process (Scrapy's single
    reactor thread) never parses a page. With `encoding` (the response's), `html` is the raw body and is
    decoded here too, so the crawling process does not decode it either.
    """
    # (imported here, not at the top: a run in which no page is new, every feed answering 304, never loads
    # trafilatura, ~36 MB and ~0.4 s of CPU)
    import trafilatura
    from trafilatura.settings import set_date_params
    from trafilatura.utils import load_html

    skip_unused_metadata()
    tree, prepared = NotImplemented, None
    if encoding is not None and isinstance(html, bytes):
        if fixes is None:
            tree = load_utf8(html, encoding)
        if tree is NotImplemented:
            html = decode(html, encoding)
    if tree is NotImplemented:
        prepared = fixes.prepare(html) if fixes is not None else None
        tree = prepared.doc if prepared is not None else load_html(html)
    if tree is None:
        return None
    canonical = canonical_link(tree, url) if hasattr(tree, "xpath") else None
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        date_extraction_params=set_date_params(extensive=False),
        **EXTRACT_OPTIONS,
    )
    if doc is None:
        return None
    d = doc.as_dict() if hasattr(doc, "as_dict") else dict(doc)
    text = (d.get("text") or "").strip()
    if not text:
        return None
    ex = Extracted(
        title=(d.get("title") or None),
        text=text,
        author=(d.get("author") or None),
        published=parse_date(d.get("date")),
        language=d.get("language"),
        canonical=canonical,
    )
    return fixes.finish(ex, prepared) if fixes is not None else ex
