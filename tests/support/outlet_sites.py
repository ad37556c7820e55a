"""Loopback copies of the shipped outlets, built from tests/fixtures/outlets/<slug>/site.yaml.

Every real origin of an outlet (www.cnn.com, rss.cnn.com, ...) gets its own 127.0.0.x address, so Scrapy
gives each its own download slot, as on the internet. Files are served with every origin of the outlet
(and a stand-in page's own origin, e.g. https://www.reuters.com) rewritten to the loopback address, so
canonical links and absolute article URLs point at the copy. The files on disk are never changed.

`OutletSites.sources_yaml()` turns the *shipped* config/sources.yaml into a loopback one: the same
discovery URLs, paths and selectors with only the origin swapped, so the tests exercise the real config.

Also a small CLI to time a full crawl of all of them (see `python -m tests.support.outlet_sites -h`).
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from .fixture_server import FixtureServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "outlets"
# The shipped config as the package installs it (config/ in the repo, borderwatch.defaults once installed).
SHIPPED_CONFIG = Path(str(resources.files("borderwatch.defaults").joinpath("sources.yaml")))

# Fast, still bounded, settings for loopback runs (the shipped ones are for the internet).
TEST_SETTINGS: dict[str, Any] = {
    "download_timeout": 3,
    "retry_backoff": 0.2,
    "download_delay": 0,
    "autothrottle_start_delay": 0.02,
    "autothrottle_max_delay": 1,
    "contact": "https://example.org/borderwatch-tests",
    # the copies stand in for the internet: an outlet's feed host links to its www host on another 127.0.0.x,
    # which the SSRF guard (crawler/addresses.py) would refuse as an internal address
    "allow_internal_addresses": ["127.0.0.0/8"],
}


@dataclass
class Hit:
    path: str
    start: float
    end: float = 0.0
    user_agent: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class MeteredServer(FixtureServer):
    """FixtureServer that also records when each request arrived and left, and the peak in-flight count."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        super().__init__(host, port)
        self.hits: list[Hit] = []
        self.inflight = 0
        self.max_inflight = 0
        self._mlock = threading.Lock()

    def _handle(self, h, head: bool = False) -> None:
        hit = Hit(
            h.path,
            time.monotonic(),
            user_agent=h.headers.get("User-Agent", ""),
            headers={k.lower(): v for k, v in h.headers.items()},
        )
        with self._mlock:
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
            self.hits.append(hit)
        try:
            super()._handle(h, head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout test): nothing to answer to
        finally:
            with self._mlock:
                self.inflight -= 1
                hit.end = time.monotonic()

    def paths(self) -> list[str]:
        with self._mlock:
            return [h.path for h in self.hits]


def _rewrite(body: bytes, mapping: dict[str, str]) -> bytes:
    for real, local in mapping.items():
        for a, b in ((real, local), (real.replace("/", "\\/"), local.replace("/", "\\/"))):
            body = body.replace(a.encode(), b.encode())
        if real.startswith("https://"):  # the http:// spelling of the same origin
            body = body.replace(("http://" + real[8:]).encode(), local.encode())
    return body


def _load_yaml(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


@dataclass
class OutletSite:
    slug: str
    manifest: dict
    servers: dict[str, MeteredServer] = field(default_factory=dict)  # real origin -> server

    @property
    def dir(self) -> Path:
        return FIXTURES / self.slug

    @property
    def expected(self) -> dict:
        p = self.dir / "expected.yaml"
        return _load_yaml(p) if p.exists() else {}

    def base(self, origin: str) -> str:
        return self.servers[origin].base

    def loopback(self, url: str) -> str:
        """The loopback URL of a real URL of this outlet."""
        for origin, srv in self.servers.items():
            for spelling in (origin, "http://" + origin.split("://", 1)[1]):
                if url.startswith(spelling):
                    return srv.base + url[len(spelling) :]
        raise KeyError(f"{url} is not on any origin of {self.slug}")

    def hits(self) -> list[tuple[str, Hit]]:
        return [(o, h) for o, srv in self.servers.items() for h in srv.hits]

    def requested_paths(self) -> list[str]:
        return [h.path for _, h in self.hits()]

    def clear(self) -> None:
        for srv in self.servers.values():
            with srv._mlock:
                srv.hits.clear()
                srv.max_inflight = 0
            srv.clear_log()


class OutletSites:
    """All (or some) loopback outlets, each origin on its own 127.0.0.x, started together."""

    def __init__(self, slugs: list[str] | None = None, first_ip: int = 20):
        found = sorted(p.parent.name for p in FIXTURES.glob("*/site.yaml"))
        self.sites: dict[str, OutletSite] = {}
        ips = itertools.count(first_ip)
        for slug in slugs or found:
            manifest = _load_yaml(FIXTURES / slug / "site.yaml")
            site = OutletSite(slug, manifest)
            for origin in manifest["hosts"]:
                site.servers[origin] = MeteredServer(f"127.0.0.{next(ips)}")
            self.sites[slug] = site
        for site in self.sites.values():
            self._fill(site)

    def _fill(self, site: OutletSite) -> None:
        mapping = {origin: srv.base for origin, srv in site.servers.items()}
        for origin, routes in site.manifest["hosts"].items():
            srv = site.servers[origin]
            for path, route in routes.items():
                body = (site.dir / route["file"]).read_bytes()
                extra = {route["origin"]: srv.base} if route.get("origin") else {}
                srv.put(
                    path, _rewrite(body, {**extra, **mapping}), route.get("type", "text/html; charset=utf-8")
                )

    def __getitem__(self, slug: str) -> OutletSite:
        return self.sites[slug]

    def start(self) -> OutletSites:
        for site in self.sites.values():
            for srv in site.servers.values():
                srv.start()
        return self

    def stop(self) -> None:
        """Stop every server at once (each shutdown waits up to half a second for its poll loop)."""
        stoppers = [
            threading.Thread(target=srv.stop) for site in self.sites.values() for srv in site.servers.values()
        ]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()

    def __enter__(self) -> OutletSites:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def clear(self) -> None:
        for site in self.sites.values():
            site.clear()

    # -- config ------------------------------------------------------------------
    def sources_config(
        self, settings: dict[str, Any] | None = None, check_listings: bool = False, gdelt: bool = False
    ) -> dict:
        """The shipped sources.yaml with each outlet's origins swapped for its loopback addresses.

        gdelt: keep the shipped GDELT searches too (point BORDERWATCH_GDELT_URL at a fake, see gdelt_fake.py).
        """
        shipped = _load_yaml(SHIPPED_CONFIG)
        out_sources = []
        for src in shipped["sources"]:
            if src.get("gdelt"):
                if gdelt:
                    out_sources.append(dict(src))
                continue
            slug = src.get("outlet")
            if slug not in self.sites:
                continue
            site = self.sites[slug]
            new = dict(src)
            for key in ("feeds", "sitemaps"):
                if key in src:
                    new[key] = [site.loopback(u) for u in src[key]]
            # check_listings: listing pages worth checking but not crawling (see site.yaml)
            listings = [
                *src.get("listings", []),
                *(site.manifest.get("check_listings", []) if check_listings else []),
            ]
            if listings:
                new["listings"] = [{**lst, "url": site.loopback(lst["url"])} for lst in listings]
            for key, value in (site.manifest.get("overlay") or {}).items():
                if isinstance(value, dict):
                    new[key] = {**new.get(key, {}), **value}
                else:
                    new[key] = value
            out_sources.append(new)
        return {
            "settings": {**shipped.get("settings", {}), **TEST_SETTINGS, **(settings or {})},
            "sources": out_sources,
        }

    def sources_yaml(self, **kw) -> str:
        import io

        yaml = YAML()
        yaml.default_flow_style = False
        yaml.width = 4096
        buf = io.StringIO()
        yaml.dump(self.sources_config(**kw), buf)
        return buf.getvalue()


def _main() -> int:  # pragma: no cover - a developer tool
    import argparse
    import os
    import subprocess
    import sys
    import tempfile
    from datetime import datetime, timezone

    ap = argparse.ArgumentParser(
        prog="python -m tests.support.outlet_sites",
        description="Serve every shipped outlet's loopback copy and time one full `borderwatch crawl` of them "
        "(fresh database, shipped sources.yaml with loopback origins and test timeouts).",
    )
    ap.add_argument("--runs", type=int, default=1, help="crawl this many times, each on a fresh database")
    ap.add_argument(
        "--same-db",
        action="store_true",
        help="every run on the same database: from the second run on there is nothing new "
        "(conditional GETs answered 304, no article page asked for again)",
    )
    ap.add_argument("--outlets", help="comma-separated slugs (default: every outlet with a loopback copy)")
    ap.add_argument(
        "--gdelt",
        action="store_true",
        help="also the shipped GDELT searches, against a loopback fake of the API (gdelt_interval 6 s, as shipped)",
    )
    args = ap.parse_args()
    from contextlib import ExitStack

    days = (datetime.now(timezone.utc) - datetime(2016, 6, 1, tzinfo=timezone.utc)).days
    slugs = args.outlets.split(",") if args.outlets else None
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        sites = stack.enter_context(OutletSites(slugs))
        world = stack.enter_context(_gdelt_world(sites)) if args.gdelt else None
        cfg = Path(tmp) / "sources.yaml"
        extra = {"gdelt_interval": 6} if args.gdelt else {}
        cfg.write_text(sites.sources_yaml(settings={"backfill_days": days, **extra}, gdelt=args.gdelt))
        for i in range(args.runs):
            db = f"sqlite:///{tmp}/run{0 if args.same_db else i}.db"
            env = {**os.environ, "BORDERWATCH_DB": db}
            if world is not None:
                env["BORDERWATCH_GDELT_URL"] = world.api.endpoint
                world.api.clear_calls()
                for srv in world.servers():
                    srv.clear_log()
            t = time.monotonic()
            p = subprocess.run(
                [sys.executable, "-m", "borderwatch", "crawl", "--config-dir", tmp],
                env=env,
                capture_output=True,
                text=True,
            )
            wall = time.monotonic() - t
            hits = [h for site in sites.sites.values() for _, h in site.hits()]
            span = max(h.end for h in hits) - min(h.start for h in hits) if hits else 0.0
            slowest = max(
                (max(h.end for _, h in site.hits()) - min(h.start for _, h in site.hits()), slug)
                for slug, site in sites.sites.items()
                if site.hits()
            )
            logged = [
                r for site in sites.sites.values() for srv in site.servers.values() for r in srv.requests()
            ]
            kinds = {
                "robots.txt": sum(r.path == "/robots.txt" for r in logged),
                "answered 304": sum(r.status == 304 for r in logged),
                "other": sum(r.path != "/robots.txt" and r.status != 304 for r in logged),
            }
            print(p.stderr.strip())
            gdelt_note = ""
            if world is not None:
                calls = world.api.api_calls()
                gaps = [f"{b.at - a.at:.2f}" for a, b in zip(calls, calls[1:], strict=False)]
                pub = sum(len(srv.requests()) for srv in world.servers()[1:])
                api_all = len(world.api.requests())  # robots.txt included
                gdelt_note = (
                    f"; GDELT fake: {len(calls)} API requests (statuses {[c.status for c in calls]}, "
                    f"spacing {', '.join(gaps) or '-'} s), {api_all - len(calls)} robots.txt, "
                    f"{pub} requests to its publishers"
                )
            print(
                f"run {i + 1}: exit {p.returncode}; {len(sites.sites)} outlets, {len(hits)} requests "
                f"({', '.join(f'{v} {k}' for k, v in kinds.items())}); "
                f"{wall:.2f} s wall clock (process start to exit), {span:.2f} s from first to last request; "
                f"slowest outlet {slowest[1]} {slowest[0]:.2f} s{gdelt_note}"
            )
            sites.clear()
    return 0


def _gdelt_world(sites: OutletSites):  # pragma: no cover - a developer tool
    """The GDELT fake for a full crawl: its own publishers, plus every loopback outlet's expected pages (so
    GDELT finds articles the outlets' feeds list too: they must be stored once)."""
    from datetime import datetime, timedelta, timezone

    from .gdelt_fake import GdeltWorld

    world = GdeltWorld()
    now = datetime.now(timezone.utc)
    spanish = {
        src.get("outlet") for src in _load_yaml(SHIPPED_CONFIG)["sources"] if src.get("language") == "es"
    }
    for slug, site in sites.sites.items():
        lang, country = ("Spanish", "Mexico") if slug in spanish else ("English", "United States")
        for page in site.expected.get("pages", []):
            try:
                url = site.loopback(page["url"])
            except KeyError:
                continue
            world.add(url, page.get("title", ""), now - timedelta(hours=12), slug + ".example", lang, country)
    return world


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
