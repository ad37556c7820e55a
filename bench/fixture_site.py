"""The benchmark site: twelve loopback outlets serving N copies of real article pages, listed in RSS feeds.

Each outlet is its own FixtureServer on its own loopback address (127.0.0.2 ... 127.0.0.13), so Scrapy's
per-host politeness applies per outlet exactly as on the real web. Article i is one of the real pages in
tests/fixtures/outlets/ (see the PROVENANCE.md files there) under a new URL, with three changes so that every copy is a distinct
article: its title gets a suffix, its canonical/og URL becomes the new URL, and a SYNTHETIC paragraph (unique
per copy; every `keyword_every`-th copy also mentions cartel FPV drones so the matcher and the digest have
work) is put in front of a paragraph of the main text. The RSS feeds (SYNTHETIC, stock WordPress /feed/
template) list an outlet's copies newest first, `per_feed` items per page (`/feed/`, `/feed/?paged=2`, ...).

Pages are rendered on request from pre-split byte fragments, never all held in memory: 10,000 copies of
300 KB pages would be 3 GB. ETags are derived from the path, so a re-run sees 304s without hashing bodies.
"""

from __future__ import annotations

import html as htmllib
import random
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from borderwatch.demo.wordpress_feed import FeedItem, wordpress_rss
from tests.support.fixture_server import FixtureServer, Resource

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "outlets"

# platform -> the folder of tests/fixtures/outlets/ that holds its real pages
PAGE_DIRS: dict[str, Path] = {
    "wordpress": FIXTURES / "_standins" / "wordpress",
    "arcxp": FIXTURES / "_standins" / "arcxp",
    "cnn": FIXTURES / "cnn",
}

# platform -> real pages (in PAGE_DIRS[platform]) standing in for that platform's outlets
PLATFORMS: dict[str, list[str]] = {
    "wordpress": [
        "article-mexiconewsdaily-2025-steel-tariffs.html",
        "article-nypost-2019-taliban-prisoners-qatar.html",
        "article-spacenews-2019-nasa-lunar-landers.html",
        "article-stluciatimes-2022-dea-bvi-premier.html",
    ],
    "arcxp": [
        "article-reuters-2023-aerospace-defense-flydubai.html",
        "article-washingtonpost-2024-tornadoes.html",
        "article-cleveland-2019-doobie-brothers.html",
    ],
    "cnn": ["article-trump-transition.html", "article-meghan-harry-oprah-recap.html"],
}

# the twelve outlets borderwatch watches (shared/corpus/README.md), with the platform their pages follow
OUTLETS: list[tuple[str, str, str]] = [
    ("defensenews", "Defense News", "arcxp"),
    ("warontherocks", "War on the Rocks", "wordpress"),
    ("dronexl", "DroneXL", "wordpress"),
    ("dronelife", "DroneLife", "wordpress"),
    ("insightcrime", "InSight Crime", "wordpress"),
    ("defensescoop", "DefenseScoop", "wordpress"),
    ("twz", "The War Zone", "wordpress"),
    ("smallwarsjournal", "Small Wars Journal", "wordpress"),
    ("atlanticcouncil", "Atlantic Council", "wordpress"),
    ("csis", "CSIS", "wordpress"),
    ("cnn", "CNN", "cnn"),
    ("stratfor", "RANE/Stratfor", "wordpress"),
]

# SYNTHETIC filler vocabulary for the per-copy paragraph
WORDS = (
    "officials said the agency would review reports from the region after residents described new patrols "
    "near the highway while analysts noted that budgets for equipment and training had grown since last year "
    "and that local councils asked for more information about the program schedule the contractors and the "
    "oversight committee which meets again next month to hear testimony from engineers farmers teachers and "
    "business owners who said prices for fuel water and transport remained high across the state"
).split()
KEYWORD_SENTENCE = (
    "Gunmen from the Jalisco New Generation Cartel (CJNG) flew FPV drones carrying explosives over a border "
    "checkpoint, and the Pentagon said it would send more counter-UAS systems."
)
FIXED_LAST_MODIFIED = 1_700_000_000.0  # pages never change between runs: stable validators


def _anchors(html: str, text: str):
    """Runs of plain words from the main text that occur in the HTML: places to put the new paragraph."""
    for para in text.split("\n")[1:]:
        words = para.split()
        for start in range(0, max(1, len(words) - 6), 3):
            cand = " ".join(words[start : start + 6])
            if len(cand) >= 25 and re.fullmatch(r"[A-Za-z ,.]+", cand) and cand in html:
                yield cand


# where a page states its title, besides the extracted title string itself (which may be entity-encoded)
TITLE_SPOTS = [
    re.compile(r"<title[^>]*>([^<]+)</title>", re.I),
    re.compile(r"<h1[^>]*>([^<]+)</h1>", re.I),
    re.compile(r"<meta\b[^>]*?(?:property|name)=.(?:og|twitter):title.[^>]*?content=\"([^\"]*)\"", re.I),
    re.compile(r"<meta\b[^>]*?content=\"([^\"]*)\"[^>]*?(?:property|name)=.(?:og|twitter):title.", re.I),
]


def _spans(html: str, literal: str | None, patterns=()) -> list[tuple[int, int]]:
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(literal), html)] if literal else []
    for pat in patterns:
        spans += [(m.start(1), m.end(1)) for m in pat.finditer(html)]
    return spans


@dataclass
class Template:
    """A real page pre-split into byte fragments around the spots that change per copy."""

    name: str
    size: int
    fragments: list[bytes]  # len(slots) + 1 pieces
    slots: list[str]  # "title" | "url" | "anchor", between consecutive fragments
    title: str
    anchor: str

    @classmethod
    def load(cls, name: str, folder: Path) -> Template:
        """Split the page; checked by extracting a test copy (the changes must reach the main text)."""
        import trafilatura

        raw = (folder / name).read_bytes()
        html = raw.decode("utf-8")
        doc = trafilatura.bare_extraction(html, with_metadata=True).as_dict()
        title, url, text = doc.get("title") or "", doc.get("url") or "", doc.get("text") or ""
        fixed = [(s, e, "title") for s, e in _spans(html, title, TITLE_SPOTS)]
        fixed += [(s, e, "url") for s, e in _spans(html, url)]
        for tries, anchor in enumerate(_anchors(html, text)):
            spots = fixed + [(s, e, "anchor") for s, e in _spans(html, anchor)]
            tpl = cls._split(name, len(raw), html, spots, title, anchor)
            probe = "Probe paragraph zqxj for the benchmark."
            got = trafilatura.bare_extraction(
                tpl.render("Probe title", "http://127.0.0.1/probe/", probe).decode(), with_metadata=True
            ).as_dict()
            if probe in (got.get("text") or "") and "Probe title" in (got.get("title") or ""):
                return tpl
            if tries > 40:
                break
        raise ValueError(f"{name}: no copy of this page changes both its extracted title and text")

    @classmethod
    def _split(cls, name, size, html, spots, title, anchor) -> Template:
        fragments, slots, pos = [], [], 0
        for start, end, kind in sorted(spots):
            if start < pos:  # overlapping spots (e.g. the title inside <title>): keep the first
                continue
            fragments.append(html[pos:start].encode("utf-8"))
            slots.append(kind)
            pos = end
        fragments.append(html[pos:].encode("utf-8"))
        return cls(name, size, fragments, slots, title, anchor)

    def render(self, title: str, url: str, paragraph: str) -> bytes:
        sub = {
            "title": htmllib.escape(title, quote=True).encode("utf-8"),
            "url": url.encode("utf-8"),
            "anchor": (htmllib.escape(paragraph, quote=False) + " " + self.anchor).encode("utf-8"),
        }
        out = [self.fragments[0]]
        for kind, frag in zip(self.slots, self.fragments[1:], strict=True):
            out.append(sub[kind])
            out.append(frag)
        return b"".join(out)


def outlet_list(n: int) -> list[tuple[str, str, str]]:
    """The twelve, then SYNTHETIC outlets cycling through the platforms, up to n."""
    out = list(OUTLETS[:n])
    platforms = list(PLATFORMS)
    for o in range(len(out), n):
        out.append((f"outlet{o + 1:04d}", f"Outlet {o + 1:04d}", platforms[o % len(platforms)]))
    return out


@dataclass
class Article:
    index: int
    outlet: int
    template: Template
    path: str
    title: str
    published: datetime

    def paragraph(self, keyword_every: int) -> str:
        rng = random.Random(self.index)
        words = " ".join(rng.choice(WORDS) for _ in range(40))
        text = f"Update {self.index}: {words[0].upper()}{words[1:]}."
        if keyword_every and self.index % keyword_every == 0:
            text += " " + KEYWORD_SENTENCE
        return text


class _LazyPages(dict):
    """FixtureServer resources whose article pages are rendered on request (feeds and robots are stored)."""

    def __init__(self, site: BenchSite, outlet: int):
        super().__init__()
        self.site, self.outlet = site, outlet

    def get(self, path, default=None):
        res = super().get(path)
        if res is not None:
            return res
        art = self.site.by_path[self.outlet].get(path)
        if art is None:
            return default
        return _StableResource(self.site.page(art), last_modified=FIXED_LAST_MODIFIED, tag=path)


@dataclass
class _StableResource(Resource):
    tag: str = ""

    @property
    def etag(self) -> str:  # pages never change: a validator from the path, no hashing of the body
        return f'"{zlib.crc32(self.tag.encode()):08x}"'


def _quiet(_request, _client_address) -> None:
    pass


@dataclass
class BenchSite:
    """N articles over twelve outlets. Use as a context manager; `sources_yaml()` configures borderwatch."""

    articles: int
    per_feed: int = 500
    keyword_every: int = 20
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))
    span: timedelta = timedelta(days=2)  # all copies are inside the default 7-day backfill window
    first_host: int = 2
    outlets: int = len(OUTLETS)  # more than twelve: SYNTHETIC outlets "Outlet 0013"... on further addresses

    def __post_init__(self):
        self.templates = {
            n: Template.load(n, PAGE_DIRS[platform]) for platform, names in PLATFORMS.items() for n in names
        }
        self.servers: list[FixtureServer] = []
        self.items: list[Article] = []
        self.outlet_list = outlet_list(self.outlets)
        self.by_path: list[dict[str, Article]] = [{} for _ in self.outlet_list]
        step = self.span / max(1, self.articles)
        for i in range(self.articles):
            o = i % len(self.outlet_list)
            names = PLATFORMS[self.outlet_list[o][2]]
            tpl = self.templates[names[(i // len(self.outlet_list)) % len(names)]]
            pub = self.now - step * i
            slug = tpl.name.removeprefix("article-").removesuffix(".html")
            path = f"/{pub:%Y/%m/%d}/{slug}-{i}/"
            art = Article(i, o, tpl, path, f"{tpl.title} (copy {i})", pub)
            self.items.append(art)
            self.by_path[o][path] = art

    # -- serving --------------------------------------------------------------
    def start(self) -> BenchSite:
        for o in range(len(self.outlet_list)):
            srv = FixtureServer(host=self.host(o))
            srv.resources = _LazyPages(self, o)
            srv.httpd.handle_error = _quiet  # clients that drop connections are not the server's news
            srv.put("/robots.txt", "User-agent: *\nDisallow: /wp-admin/\n", "text/plain", FIXED_LAST_MODIFIED)
            self.servers.append(srv.start())
        for o in range(len(self.outlet_list)):
            for p, body in enumerate(self._feeds(o), start=1):
                self.servers[o].put(
                    self.feed_path(p), body, "application/rss+xml; charset=UTF-8", FIXED_LAST_MODIFIED
                )
        return self

    def stop(self) -> None:
        for srv in self.servers:
            srv.stop()
        self.servers = []

    def __enter__(self) -> BenchSite:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def host(self, o: int) -> str:
        """Outlet o's loopback address: 127.0.0.2-13 for the twelve, then 127.0.1.1, 127.0.1.2, ..."""
        if o < len(OUTLETS):
            return f"127.0.0.{self.first_host + o}"
        k = o - len(OUTLETS)
        return f"127.0.{1 + k // 250}.{1 + k % 250}"

    # -- content --------------------------------------------------------------
    def url(self, art: Article) -> str:
        return self.servers[art.outlet].url(art.path)

    def page(self, art: Article) -> bytes:
        return art.template.render(art.title, self.url(art), art.paragraph(self.keyword_every))

    def pages(self, limit: int | None = None):
        """(url, html bytes) of the copies, in feed order across outlets: the same bytes the server sends."""
        for art in self.items[:limit]:
            yield self.url(art), self.page(art)

    @staticmethod
    def feed_path(page: int) -> str:
        return "/feed/" if page == 1 else f"/feed/?paged={page}"

    def feed_urls(self, outlet: int) -> list[str]:
        n = len([a for a in self.items if a.outlet == outlet])
        pages = max(1, -(-n // self.per_feed))
        return [self.servers[outlet].url(self.feed_path(p)) for p in range(1, pages + 1)]

    def _feeds(self, outlet: int) -> list[str]:
        key, name, _ = self.outlet_list[outlet]
        base = self.servers[outlet].base
        arts = [a for a in self.items if a.outlet == outlet]  # already newest first
        chunks = [arts[i : i + self.per_feed] for i in range(0, len(arts), self.per_feed)] or [[]]
        return [
            wordpress_rss(
                f"{name} (benchmark copy)",
                f"{base}/",
                f"{base}/feed/",
                [
                    FeedItem(
                        title=a.title,
                        link=f"{base}{a.path}",
                        published=a.published,
                        guid=f"{base}/?p={a.index + 1000}",
                        description=htmllib.escape(a.title),
                    )
                    for a in chunk
                ],
                banner="SYNTHETIC benchmark feed (stock WordPress /feed/ template)",
                description=key,
                last_build=self.now,
            )
            for chunk in chunks
        ]

    def sources_yaml(self, extract_workers: int | None = None) -> str:
        """sources.yaml for borderwatch: every outlet with all its feed pages; loopback needs no politeness delay."""
        lines = [
            "# SYNTHETIC benchmark configuration (bench/fixture_site.py)",
            "settings:",
            "  backfill_days: 7",
            "  download_delay: 0",
            "  autothrottle_start_delay: 0.05",
        ]
        if extract_workers is not None:
            lines.append(f"  extract_workers: {extract_workers}")
        lines.append("sources:")
        for o, (_key, name, _platform) in enumerate(self.outlet_list):
            feeds = ", ".join(self.feed_urls(o))
            lines += [f"  - name: {name}", f"    feeds: [{feeds}]", f"    max_items: {self.per_feed}"]
            # the whole backlog in one cycle (the daily default is 60 pages per source per run)
            lines.append("    max_pages: 10000")
        return "\n".join(lines) + "\n"

    def request_log(self) -> list:
        return [r for srv in self.servers for r in srv.requests()]

    def clear_logs(self) -> None:
        for srv in self.servers:
            srv.clear_log()


def _main() -> None:  # pragma: no cover - manual use: serve a site and print its sources.yaml
    import argparse

    ap = argparse.ArgumentParser(description="serve the benchmark site on loopback until Ctrl-C")
    ap.add_argument("--articles", type=int, default=100)
    ap.add_argument("--per-feed", type=int, default=500)
    args = ap.parse_args()
    with BenchSite(args.articles, per_feed=args.per_feed) as site:
        print(site.sources_yaml(), flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    _main()
