"""A loopback fake of the GDELT DOC 2.0 API (mode=artlist, format=json) and a few loopback publishers.

The fake answers GET /api/v2/doc/doc the way the real API does: {"articles": [{url, url_mobile, title,
seendate ("20261201T153000Z"), socialimage, domain, language, sourcecountry}]} newest first, only articles
seen inside startdatetime..enddatetime (or the last `timespan`), filtered by the query's sourcelang: and
sourcecountry: operators, at most maxrecords; {} when nothing matched. Failure modes answer as GDELT does:
"rate_limited" (429 with a plain-text plea), "html_error" (200 with an HTML error page, as for a bad query),
"empty" (200, no body), "truncated" (JSON cut off); for every query (`mode`) or for the queries containing a
given word (`modes`). Every API request is logged with its arrival time, so a
test can check the spacing of the crawler's requests.

SYNTHETIC content: the publishers' stories are written for testing (Spanish and English prose of the kind
the beat sees; none is a copy of a real article), on WordPress-like pages, each publisher on its own
127.0.0.x address so the crawler gives each its own download slot and robots.txt, as on the internet.
"""

from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

from .fixture_server import FixtureServer

PATH = "/api/v2/doc/doc"
COUNTRIES = {"MX": "Mexico", "US": "United States", "CO": "Colombia", "GT": "Guatemala"}  # FIPS -> name


@dataclass
class FakeArticle:
    url: str
    title: str
    seen: datetime
    domain: str
    language: str = "English"  # GDELT spells languages out
    sourcecountry: str = "United States"

    def to_json(self) -> dict:
        return {
            "url": self.url,
            "url_mobile": "",
            "title": self.title,
            "seendate": self.seen.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
            "socialimage": "",
            "domain": self.domain,
            "language": self.language,
            "sourcecountry": self.sourcecountry,
        }


@dataclass
class ApiCall:
    at: float  # time.monotonic() on arrival
    params: dict[str, str]
    status: int


def _when(value: str) -> datetime:
    return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)


def _timespan(value: str) -> timedelta:
    units = {"min": 60, "h": 3600, "hours": 3600, "d": 86400, "days": 86400, "w": 604800, "weeks": 604800}
    units |= {"m": 30 * 86400, "months": 30 * 86400}
    num = "".join(ch for ch in value if ch.isdigit()) or "0"
    unit = value[len(num) :].lower() or "min"
    return timedelta(seconds=int(num) * units.get(unit, 60))


class FakeGdelt(FixtureServer):
    def __init__(self, host: str = "127.0.0.160", port: int = 0):
        super().__init__(host, port)
        self.articles: list[FakeArticle] = []
        self.mode = "ok"
        self.modes: dict[str, str] = {}  # a word in the query -> the mode to answer that query in
        self.calls: list[ApiCall] = []
        self._calls_lock = threading.Lock()
        self.put("/robots.txt", "User-agent: *\nDisallow:\n", "text/plain")

    @property
    def endpoint(self) -> str:
        return self.base + PATH

    def api_calls(self) -> list[ApiCall]:
        with self._calls_lock:
            return list(self.calls)

    def clear_calls(self) -> None:
        with self._calls_lock:
            self.calls.clear()

    def _handle(self, h, head: bool = False) -> None:
        parts = urlsplit(h.path)
        if parts.path != PATH:
            return super()._handle(h, head)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        status, body, ctype = self._answer(params)
        with self._calls_lock:
            self.calls.append(ApiCall(time.monotonic(), params, status))
        self._send(h, status, body, {"Content-Type": ctype} if ctype else {}, head)

    def _answer(self, params: dict[str, str]) -> tuple[int, bytes, str | None]:
        words = params.get("query", "").split()
        mode = next((m for w, m in self.modes.items() if w in words), self.mode)
        if mode == "rate_limited":
            return 429, b"Please limit requests to one every 5 seconds.\n", "text/plain"
        if mode == "html_error":
            page = "<html><body>The specified phrase is too short.</body></html>"
            return 200, page.encode(), "text/html; charset=utf-8"
        if mode == "empty":
            return 200, b"", "application/json; charset=utf-8"
        if params.get("mode", "").lower() != "artlist" or params.get("format", "").lower() != "json":
            return 200, b"<html><body>Invalid mode or format.</body></html>", "text/html; charset=utf-8"
        now = datetime.now(timezone.utc)
        if "startdatetime" in params:
            start = _when(params["startdatetime"])
            end = _when(params["enddatetime"]) if params.get("enddatetime") else now
        else:  # the API's default window is the last 3 months
            start, end = now - _timespan(params.get("timespan") or "12w"), now
        terms = params.get("query", "").split()
        lang = next((t.split(":", 1)[1].lower() for t in terms if t.lower().startswith("sourcelang:")), None)
        country = next(
            (t.split(":", 1)[1].upper() for t in terms if t.lower().startswith("sourcecountry:")), None
        )
        hits = [
            a
            for a in self.articles
            if start <= a.seen <= end
            and (lang is None or a.language.lower() == lang)
            and (country is None or a.sourcecountry == COUNTRIES.get(country, country))
        ]
        hits.sort(key=lambda a: a.seen, reverse=True)
        hits = hits[: int(params.get("maxrecords", "75") or 75)]
        body = json.dumps({"articles": [a.to_json() for a in hits]} if hits else {}, ensure_ascii=False)
        if mode == "truncated":
            body = body[: len(body) // 2]
        return 200, body.encode("utf-8"), "application/json; charset=utf-8"


# -- loopback publishers ------------------------------------------------------------------------------


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    hours_ago: float = 3
    lang: str = "es"


@dataclass
class Publisher:
    domain: str  # what GDELT reports as the article's domain
    name: str
    language: str  # GDELT's spelling: Spanish, English
    country: str
    stories: list[Story] = field(default_factory=list)
    server: FixtureServer | None = None
    page_lang: str | None = (
        None  # the <html lang> the theme declares, when not the story's (a template default)
    )


PUBLISHERS = [
    Publisher(
        "noticiasdelbajio.example",
        "Noticias del Bajío",
        "Spanish",
        "Mexico",
        [
            Story(
                "ataque-con-drones-en-michoacan",
                "Atacan con drones explosivos a policías en Michoacán",
                [
                    "Un grupo armado atacó con drones cargados de explosivos una base de la policía estatal en "
                    "Michoacán la madrugada del domingo, informaron autoridades de seguridad.",
                    "Según la fiscalía, los artefactos fueron lanzados por células del Cártel Jalisco Nueva "
                    "Generación (CJNG), que disputa la región con grupos locales desde hace meses.",
                    "Dos agentes resultaron heridos y el Ejército aseguró los restos de tres drones en las "
                    "inmediaciones del poblado, de acuerdo con el reporte oficial.",
                ],
                hours_ago=5,
            ),
            Story(
                "feria-del-elote-2026",
                "Inicia la feria del elote con conciertos y juegos mecánicos",
                [
                    "La feria del elote abrió sus puertas este fin de semana con conciertos, juegos mecánicos y "
                    "puestos de comida tradicional en la plaza principal del municipio.",
                    "Los organizadores esperan la visita de miles de familias durante las dos semanas del festejo.",
                ],
                hours_ago=8,
            ),
        ],
        page_lang="en-US",  # a theme's default: only the text says it is Spanish
    ),
    Publisher(
        "diariodelnorte.example",
        "Diario del Norte",
        "Spanish",
        "Mexico",
        [
            Story(
                "narcodrones-frontera-tamaulipas",
                "Narcodrones vigilan la frontera en Tamaulipas, advierte la Defensa",
                [
                    "La Secretaría de la Defensa Nacional advirtió que grupos del crimen organizado usan drones "
                    "para vigilar los movimientos de las fuerzas federales en la frontera de Tamaulipas.",
                    "El reporte señala que el Cártel del Golfo emplea drones comerciales modificados para "
                    "arrojar artefactos explosivos sobre sus rivales.",
                ],
                hours_ago=10,
            ),
        ],
    ),
    Publisher(
        "borderdispatch.example",
        "Border Dispatch",
        "English",
        "United States",
        [
            Story(
                "counter-uas-border-sector",
                "Counter-UAS teams track cartel drones over the Rio Grande",
                [
                    "Federal counter-UAS teams tracked more than a dozen cartel drone flights over the Rio Grande "
                    "in a single week, Border Patrol officials said on Thursday.",
                    "The drones were scouting crossing points for smugglers, the officials said, and several were "
                    "brought down with jammers.",
                ],
                hours_ago=6,
                lang="en",
            ),
        ],
    ),
]


def publisher_page(pub: Publisher, story: Story, published: datetime) -> str:
    """A WordPress-like article page (the markup shape of the fixture outlets), in the story's language."""
    e = html.escape
    body = "\n".join(f"<p>{e(p)}</p>" for p in story.paragraphs)
    iso = published.isoformat()
    return f"""<!DOCTYPE html>
<html lang="{pub.page_lang or story.lang}">
<head><meta charset="UTF-8" /><title>{e(story.title)} - {e(pub.name)}</title>
<meta name="generator" content="WordPress 6.8" />
<meta property="og:type" content="article" /><meta property="og:title" content="{e(story.title)}" />
<meta property="article:published_time" content="{iso}" /></head>
<body class="single single-post"><nav><ul><li><a href="/seguridad/">Seguridad</a></li><li><a href="/">Inicio</a></li></ul></nav>
<article class="post"><h1 class="entry-title">{e(story.title)}</h1>
<time class="entry-date" datetime="{iso}">{published:%d/%m/%Y}</time>
<div class="entry-content">
{body}
</div></article>
<footer><p>© 2026 {e(pub.name)}</p></footer></body></html>"""


class GdeltWorld:
    """The fake API plus its publishers, started and stopped together (a context manager).

    `seen_at` fixes when GDELT "saw" each story (default: each story's hours_ago before now).
    `extra` adds articles on other servers (e.g. a fixture outlet's page, also in its feed).
    """

    def __init__(self, first_ip: int = 160, now: datetime | None = None, publishers=None):
        self.now = now or datetime.now(timezone.utc).replace(microsecond=0)
        self.api = FakeGdelt(f"127.0.0.{first_ip}")
        self.publishers = [
            Publisher(p.domain, p.name, p.language, p.country, list(p.stories), page_lang=p.page_lang)
            for p in (publishers or PUBLISHERS)
        ]
        for i, pub in enumerate(self.publishers, 1):
            pub.server = FixtureServer(f"127.0.0.{first_ip + i}")
            pub.server.put("/robots.txt", "User-agent: *\nDisallow: /privado/\n", "text/plain")
            for story in pub.stories:
                when = self.now - timedelta(hours=story.hours_ago)
                pub.server.put(self.path(story), publisher_page(pub, story, when))
                self.api.articles.append(
                    FakeArticle(
                        pub.server.url(self.path(story)),
                        story.title,
                        when,
                        pub.domain,
                        pub.language,
                        pub.country,
                    )
                )

    @staticmethod
    def path(story: Story) -> str:
        return f"/{story.lang}/{story.slug}/"

    def add(
        self, url: str, title: str, seen: datetime, domain: str, language="English", country="United States"
    ):
        self.api.articles.append(FakeArticle(url, title, seen, domain, language, country))

    def servers(self) -> list[FixtureServer]:
        return [self.api, *(p.server for p in self.publishers)]

    def start(self) -> GdeltWorld:
        for srv in self.servers():
            srv.start()
        return self

    def stop(self) -> None:
        for srv in self.servers():
            srv.stop()

    def __enter__(self) -> GdeltWorld:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
