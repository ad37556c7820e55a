"""What borderwatch knows about one outlet, declared as data (fundus-style), plus the extraction fixes.

An OutletProfile is picked per source in sources.yaml with ``outlet: <slug>``. It carries:
- link filters (URL regexes) that keep an outlet's video, gallery and live pages out of the crawl;
- ``fetch_pages``: False for outlets whose article pages are paywalled and script-rendered, so the item is
  built from the public feed title, summary and date and the page is never requested (no paywall games);
- ExtractFixes: the small corrections trafilatura needs on this outlet's markup (chrome to drop before
  extraction, organisation bylines that are not authors, the site name glued to titles).

ExtractFixes is a frozen dataclass of strings and tuples so it pickles: extraction may later run in a
process pool, and the per-outlet hook travels by name, not as a function object.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from ..extract import Extracted

# name -> function(Extracted) -> Extracted; filled by outlet modules (see cnn.py)
HOOKS: dict[str, Callable] = {}


def hook(name: str):
    def register(fn):
        HOOKS[name] = fn
        return fn

    return register


class Prepared(NamedTuple):
    doc: Any  # an lxml tree (or the raw HTML when it would not parse)
    site_names: tuple[str, ...]


@dataclass(frozen=True)
class ExtractFixes:
    drop: tuple[str, ...] = ()  # CSS selectors, or XPath when starting with '/', removed before extraction
    unwrap: tuple[str, ...] = ()  # elements whose tag (and class trafilatura dislikes) goes, text stays
    # regexes: extracted paragraphs matching one are boilerplate. Safer than `drop` when removing an
    # element would tip trafilatura into another extraction strategy.
    drop_lines: tuple[str, ...] = ()
    org_bylines: tuple[str, ...] = ()  # bylines that name the outlet, not a person ("CNN", "CNN Business")
    strip_site_name: bool = False  # "Title - SpaceNews.com" -> "Title" (suffix equal to og:site_name)
    drop_title_paragraph: bool = False  # a first paragraph that only repeats the headline
    hook: str | None = None  # name in HOOKS for anything data cannot say

    def merged(self, extra: dict) -> ExtractFixes:
        """These fixes plus a sources.yaml `extract:` mapping (lists extend, scalars override)."""
        return replace(
            self,
            **{k: getattr(self, k) + tuple(extra.get(k, ())) for k in EXTRACT_LIST_KEYS},
            **{k: bool(extra.get(k, getattr(self, k))) for k in EXTRACT_FLAG_KEYS},
        )

    # -- applied by crawler/extract.py -------------------------------------------
    def prepare(self, html: str | bytes) -> Prepared:
        """Parse once, remove the declared chrome, and hand trafilatura the tree."""
        from lxml import etree
        from lxml import html as lhtml

        try:
            tree = lhtml.fromstring(html)
        except (etree.ParserError, ValueError):
            return Prepared(html, ())
        names = tuple(n.strip() for n in tree.xpath('//meta[@property="og:site_name"]/@content') if n.strip())
        for sel in self.drop:
            for node in _select(tree, sel):
                if node.getparent() is not None:
                    node.drop_tree()
        for sel in self.unwrap:
            for node in _select(tree, sel):
                if node.getparent() is not None:
                    node.drop_tag()
        return Prepared(tree, names)

    def finish(self, ex: Extracted, prepared: Prepared) -> Extracted:
        title, author, text = ex.title, ex.author, ex.text
        if title and self.strip_site_name:
            title = _strip_site_name(title, prepared.site_names)
        if author and self.org_bylines:
            people = [a.strip() for a in re.split(r";|,| and ", author) if a.strip()]
            orgs = {o.casefold() for o in self.org_bylines}
            people = [p for p in people if p.casefold() not in orgs]
            author = "; ".join(people) or None
        if text and self.drop_lines:
            pats = [re.compile(p) for p in self.drop_lines]
            text = "\n".join(ln for ln in text.split("\n") if not any(p.search(ln) for p in pats))
        if text and title and self.drop_title_paragraph:
            first, _, rest = text.partition("\n")
            if rest and _norm(first) == _norm(title):
                text = rest
        ex = replace(ex, title=title, author=author, text=text)
        if self.hook:
            ex = HOOKS[self.hook](ex)
        return ex


def _select(tree, selector: str) -> list:
    return tree.xpath(selector) if selector.startswith("/") else tree.cssselect(selector)


def _norm(s: str) -> str:
    return re.sub(r"\W+", " ", s).strip().casefold()


def _strip_site_name(title: str, names: tuple[str, ...]) -> str:
    for name in names:
        for sep in (" - ", " | ", " – ", " — ", " : "):
            if title.endswith(sep + name) and len(title) > len(sep + name) + 10:
                return title[: -len(sep + name)].rstrip()
    return title


# The keys a sources.yaml `extract:` mapping may hold (config.py checks them): every field but the hook.
EXTRACT_LIST_KEYS = tuple(f.name for f in fields(ExtractFixes) if f.default == ())
EXTRACT_FLAG_KEYS = tuple(f.name for f in fields(ExtractFixes) if f.default is False)
EXTRACT_KEYS = frozenset(EXTRACT_LIST_KEYS + EXTRACT_FLAG_KEYS)


@dataclass(frozen=True)
class OutletProfile:
    slug: str
    name: str
    platform: str  # wordpress | arcxp | drupal | blogger | cnn | milenio | proceso (own CMS)
    domains: tuple[str, ...]  # the outlet's own hosts (discovery URLs must be on one of them)
    include: tuple[str, ...] = ()  # article URL regexes; empty = everything
    exclude: tuple[str, ...] = ()
    fetch_pages: bool = True
    fixes: ExtractFixes = field(default_factory=ExtractFixes)
    why: str = ""  # what is crawled and why (docs/sources.md table)

    def owns(self, host: str) -> bool:
        host = host.lower()
        return any(host == d or host.endswith("." + d) for d in self.domains)
