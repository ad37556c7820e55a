"""Server-side request forgery guard: never fetch an internal address a feed (or a redirect) points to.

A feed is input from the outside. Without this, an article link (or a 302 from an outlet) to the cloud
metadata address 169.254.169.254, a loopback admin port or a host on the private network was fetched, and
what came back was stored and posted to Slack. AddressGuardMiddleware (a downloader middleware ahead of
robots.txt, so it also sees every redirect Scrapy re-schedules and every robots.txt request) resolves each
request's host and refuses loopback, private (RFC 1918), link-local, unique-local (fc00::/7), multicast,
reserved and unspecified addresses, IPv4-mapped IPv6 included. The host is resolved the way the socket
layer reads it (`socket.gethostbyname`: 0xa9fea9fe, 2852039166 and 0251.0376.0251.0376 are all
169.254.169.254), through Scrapy's DNS cache, so the address checked is the address connected to (a second
DNS answer cannot swap it within the run).

A source's own endpoints are trusted: an internal address and port that one of the source's configured
feed/sitemap/listing URLs resolves to is allowed for that source (the loopback fixture outlets in the tests,
an intranet outlet). Only that port: a feed on 10.0.0.5:8080 does not open 10.0.0.5:22 or the host's admin
port to its links. For intranet deployments `allow_internal_addresses: true` in sources.yaml settings (or
BORDERWATCH_ALLOW_INTERNAL_ADDRESSES=1) turns the guard off; a list of networks (`[10.20.0.0/16]`, or
`10.20.0.0/16,fd00::/8` in the variable) allows just those. A refused request fails like any page
(`refused: … internal address`) and is reported for its source; the page is never asked for again
(crawler/page_failures.py).
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from borderwatch.config import ALLOW_INTERNAL_ENV

log = logging.getLogger(__name__)

ENV = ALLOW_INTERNAL_ENV
REFUSED = "refused:"  # how a refused request's reason starts (crawler/page_failures.py)

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
DEFAULT_PORTS = {"http": 80, "https": 443}


def _port(parts) -> int | None:
    """The port a URL connects to (its own, or its scheme's default); None for a malformed one."""
    try:
        return parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return None


class AddressRefused(IgnoreRequest):
    """The request's host resolves to an internal address that is not its source's own."""


def internal_kind(ip: IP) -> str | None:
    """What makes an address internal ('loopback', 'link-local', ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return internal_kind(ip.ipv4_mapped)
    for kind, flag in (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unique-local", isinstance(ip, ipaddress.IPv6Address) and ip in ipaddress.ip_network("fc00::/7")),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
    ):
        if flag:
            return kind
    return None


def literal_address(host: str) -> IP | None:
    """The address a host names by itself (IPv6 literal, or IPv4 in any form inet_aton reads), else None."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefxABCDEFX." for c in host) and host[0].isdigit():
        try:  # 0xa9fea9fe, 2852039166, 0251.0376.0251.0376, 169.254.43518: what connect() would use
            return ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    return None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allowance(value) -> bool | list[Network]:
    """sources.yaml's allow_internal_addresses or the variable: True (all), False, or networks to allow.

    Raises ValueError naming a bad network."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("", "0", "false", "no", "off"):
            return False
        if text in ("1", "true", "yes", "on"):
            return True
        value = [v for v in text.split(",") if v.strip()]
    out = []
    for item in value:
        try:
            out.append(ipaddress.ip_network(str(item).strip(), strict=False))
        except ValueError:
            raise ValueError(f"not a network: {item!r} (e.g. 10.20.0.0/16)") from None
    return out


class AddressGuardMiddleware:
    """Downloader middleware: refuse requests to internal addresses (see the module docstring)."""

    def __init__(self, crawler):
        self.crawler = crawler
        allow: list = []
        # settings.allow_internal_addresses, then the variable's text (both through crawler/settings.py)
        setting = crawler.settings.get("BORDERWATCH_ALLOW_INTERNAL_ADDRESSES")
        variable = crawler.settings.get("BORDERWATCH_ALLOW_INTERNAL_ADDRESSES_ENV", "")
        for value in (setting, variable):
            try:
                got = parse_allowance(value if value is not None else False)
            except ValueError as exc:  # (sources.yaml is checked when loaded; this is the variable)
                log.warning("%s ignored: %s", ENV, exc)
                continue
            if got is True:
                allow = True
                break
            allow += got or []
        self.off = allow is True
        self.allowed: list[Network] = [] if allow is True else allow
        self._own: dict[str, set[tuple[IP, int | None]]] = {}  # source -> its configured (address, port)s
        self.refused = 0

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def _resolve(self, host: str) -> set[IP]:
        """Every address the request will go to: the literal, or Scrapy's (cached) DNS answer."""
        literal = literal_address(host)
        if literal is not None:
            return {literal}
        from twisted.internet import reactor

        try:
            answer = await maybe_deferred_to_future(reactor.resolve(host))
        except Exception:
            return set()  # unresolvable: the download fails with "DNS lookup failed" as before
        try:
            return {ipaddress.ip_address(answer)}
        except ValueError:
            return set()

    async def _own_endpoints(self, source: str | None) -> set[tuple[IP, int | None]]:
        """(address, port) of the source's configured URLs (all sources' for a request without one, robots.txt)."""
        spider = self.crawler.spider
        plans = getattr(spider, "plans", {}) or {}
        names = [source] if source in plans else list(plans)
        out: set[tuple[IP, int | None]] = set()
        for name in names:
            if name not in self._own:
                own: set[tuple[IP, int | None]] = set()
                for _kind, url, _sel in plans[name].discovery:
                    parts = urlsplit(url)
                    if parts.hostname:
                        own |= {(ip, _port(parts)) for ip in await self._resolve(parts.hostname)}
                self._own[name] = own
            out |= self._own[name]
        return out

    async def process_request(self, request: Request) -> None:
        if self.off:
            return None
        parts = urlparse_cached(request)
        host = parts.hostname or ""
        for ip in await self._resolve(host):
            kind = internal_kind(ip)
            if kind is None or any(ip in net for net in self.allowed):
                continue
            if (ip, _port(parts)) in await self._own_endpoints(request.meta.get("source")):
                continue
            self.refused += 1
            self.crawler.stats.inc_value("borderwatch/address_refused")
            shown = host if str(ip) == host.strip("[]") else f"{host} ({ip})"
            if parts.port:
                shown += f" port {parts.port}"
            raise AddressRefused(
                f"{REFUSED} {shown} is a {kind} address, not this source's own host and port (internal addresses are "
                f"not fetched; allow_internal_addresses turns this off)"
            )
        return None
