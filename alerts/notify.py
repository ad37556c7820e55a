"""More destinations through Apprise: Teams, Discord, Matrix, ntfy, e-mail... one URL each in BORDERWATCH_NOTIFY.

Each URL is a destination of the outbox (key ``apprise:<hash of the URL>``: the URL itself holds secrets, so
it is never written to the database or the logs) and gets the day's digest rendered for its medium: HTML for
e-mail and other HTML services, Markdown where the service takes it, plain text otherwise; the grouping,
links and escaping are those of the Slack digest.

A destination that fails is retried on the next run, without re-sending to the others. Apprise cannot read a
channel back, so a part whose send was interrupted (a crash inside the send itself) is re-sent with a visible
"may repeat" note, the rule for every destination that cannot be read back.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from datetime import timezone, tzinfo

from borderwatch.config import NOTIFY_ENV, build_settings

from .archive import ArchivedItem, clean, clip_clean, render_item, safe_url
from .delivery import UNCONFIRMED, Deliverer, DeliveryError, LookupUnavailable, PartRef, Posted
from .digest import DigestEntry, _date, group_entries

log = logging.getLogger(__name__)

KIND = "apprise"
MAX_BODY = 30000  # characters per part; Apprise splits further for services with small limits
SNIPPET_CHARS = 320


def url_key(url: str) -> str:
    """The destination name of an Apprise URL: a short hash, so no secret is ever stored or logged."""
    return hashlib.sha256(url.encode()).hexdigest()[:12]


def destination_of(url: str) -> str:
    return f"{KIND}:{url_key(url)}"


def is_apprise(destination: str) -> bool:
    return destination.startswith(KIND + ":")


def _configured(name: str, env=None) -> str | None:
    """The URL in BORDERWATCH_NOTIFY whose key is `name`, if it is still there (read at send time)."""
    return next((u for u in build_settings(None, env).delivery.notify if url_key(u) == name), None)


def describe(name: str) -> str:
    url = _configured(name)
    return f"Apprise destination {service_label(url)}" if url else f"Apprise destination {name}"


def apprise_target(name: str) -> AppriseDeliverer:
    """The deliverer for destination apprise:<name>. If BORDERWATCH_NOTIFY no longer lists that URL, its
    digest waits (nothing sent) until it does, and the run says so."""
    url = _configured(name)
    if url is None:
        raise DeliveryError(
            f"{NOTIFY_ENV} no longer lists Apprise destination {name}; its digest waits until it does",
            maybe_sent=False,
        )
    return AppriseDeliverer(url)


def service_label(url: str) -> str:
    """A printable name for a URL without its credentials: the scheme and host (e.g. "mailto://smtp.example")."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "an Apprise URL"
    return f"{parts.scheme.lower()}://{host}" if parts.scheme else "an Apprise URL"


# -- rendering for each medium --------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", clean(text))


def _md_link(url: str | None, label: str) -> str:
    u = safe_url(url)
    if u is None:
        return md_escape(label)
    return f"[{md_escape(label)}](<{u.replace('>', '%3E')}>)"


def as_archived(e: DigestEntry) -> ArchivedItem:
    return ArchivedItem(
        article_id=e.article_id,
        title=e.title,
        url=e.url,
        source=e.source,
        published=e.published,
        topic_id=e.rule_id,
        topic_name=e.rule_name,
        terms=tuple(e.terms),
        snippet=clip_clean(e.snippet, SNIPPET_CHARS),
        also_in=tuple((m.source, m.url) for m in e.also_in),
    )


def _md_item(e: DigestEntry, tz: tzinfo) -> str:
    meta = [md_escape(e.source), _date(e.published, tz)]
    if e.terms:
        meta.append("matched: " + ", ".join(md_escape(t) for t in e.terms[:6]))
    if e.other_rules:
        meta.append("also under: " + ", ".join(md_escape(r) for r in e.other_rules[:5]))
    lines = [f"**{_md_link(e.url, e.title or e.url)}**{_badge(e)}", " · ".join(meta)]
    if e.tags and e.tags.line():  # where · who (alerts/tagging.py)
        lines.append(md_escape(e.tags.line()))
    if e.title_en:
        lines.append("English: " + md_escape(e.title_en))
    if e.also_in:
        lines.append("also in: " + ", ".join(_md_link(m.url, m.source) for m in e.also_in[:8]))
    if e.snippet:
        lines.append("> " + md_escape(clip_clean(e.snippet, SNIPPET_CHARS)))
    if e.snippet_en:
        lines.append("> English: " + md_escape(clip_clean(e.snippet_en, SNIPPET_CHARS)))
    return "\n".join(lines)


def _text_item(e: DigestEntry, tz: tzinfo) -> str:
    lines = [f"• {clean(e.title or e.url)}{_badge(e)}", f"  {clean(e.source)} · {_date(e.published, tz)}"]
    if e.tags and e.tags.line():
        lines.append(f"  {clean(e.tags.line())}")
    if e.title_en:
        lines.append(f"  English: {clean(e.title_en)}")
    if e.snippet:
        lines.append(f"  “{clip_clean(e.snippet, SNIPPET_CHARS)}”")
    u = safe_url(e.url)
    if u:
        lines.append(f"  {u}")
    return "\n".join(lines)


def _html_item(e: DigestEntry, tz: tzinfo) -> str:
    out = render_item(as_archived(e), tz)
    extra = "".join(
        f'<div class="meta">English: {html.escape(clean(t))}</div>\n' for t in (e.title_en, e.snippet_en) if t
    )
    if e.tags and e.tags.line():
        extra = f'<div class="meta">{html.escape(clean(e.tags.line()))}</div>\n' + extra
    if _badge(e):
        out = out.replace("</a></h3>", f"</a>{html.escape(_badge(e))}</h3>", 1)
    return out.replace("</article>", extra + "</article>") if extra else out


def _badge(e: DigestEntry) -> str:
    """ " (ES)" for a non-English item, as the Slack digest marks it."""
    lang = (e.language or "").lower()
    return f" ({lang.upper()})" if lang and lang != "en" else ""


@dataclass(frozen=True)
class Notification:
    """One part of a digest for an Apprise destination (stored in the outbox as the part's payload)."""

    title: str
    body: str
    format: str  # html | markdown | text

    def to_payload(self) -> dict:
        return {"title": self.title, "body": self.body, "format": self.format}


def render_notifications(
    entries: list[DigestEntry],
    day_label: str,
    rule_order: list[str],
    fmt: str,
    title: str = "borderwatch",
    tz: tzinfo = timezone.utc,
) -> list[Notification]:
    """The digest as Apprise messages in `fmt`, split into parts of at most MAX_BODY characters, none dropped."""
    head = f"{title} digest · {day_label}"
    groups = group_entries(entries, rule_order)
    n_outlets = len({e.source for e in entries} | {m.source for e in entries for m in e.also_in})
    summary = (
        f"{len(entries)} new item{'s' if len(entries) != 1 else ''} in {len(groups)} topic"
        f"{'s' if len(groups) != 1 else ''} from {n_outlets} outlet{'s' if n_outlets != 1 else ''}"
    )
    item = {"html": _html_item, "markdown": _md_item, "text": _text_item}[fmt]
    chunks: list[str] = []
    if fmt == "html":
        chunks.append(f"<p>{html.escape(summary)}</p>")
    else:
        chunks.append(summary)
    for _rid, name, items in groups:
        if fmt == "html":
            chunks.append(f"<h2>{html.escape(clean(name))} ({len(items)})</h2>")
        elif fmt == "markdown":
            chunks.append(f"## {md_escape(name)} ({len(items)})")
        else:
            chunks.append(f"{clean(name)} ({len(items)})")
        chunks += [item(e, tz) for e in items]
    sep = "\n" if fmt == "html" else "\n\n"
    bodies: list[str] = []
    cur = ""
    for c in chunks:
        if cur and len(cur) + len(sep) + len(c) > MAX_BODY:
            bodies.append(cur)
            cur = c
        else:
            cur = f"{cur}{sep}{c}" if cur else c
    if cur:
        bodies.append(cur)
    total = len(bodies)
    return [
        Notification(head if total == 1 else f"{head} ({i}/{total})", b, fmt) for i, b in enumerate(bodies, 1)
    ]


# -- the deliverer --------------------------------------------------------------------------------------


def medium(url: str) -> str:
    """html | markdown | text: what the service behind an Apprise URL shows best (the URL's own `format=`
    wins). Raises ValueError for a URL Apprise does not understand."""
    import apprise

    service = apprise.Apprise.instantiate(url, suppress_exceptions=True)
    if not service:
        raise ValueError(f"{service_label(url)} is not a URL Apprise understands")
    if re.search(r"[?&]format=", url):
        return str(service.resolve_format(None).value)
    formats = service.notify_format
    formats = [
        str(getattr(f, "value", f)) for f in (formats if isinstance(formats, (tuple, list)) else [formats])
    ]
    if formats[0] == "html":  # e-mail
        return "html"
    for fmt in ("markdown", "html"):
        if fmt in formats:
            return fmt
    return "text"


class AppriseDeliverer(Deliverer):
    """One Apprise URL. Sends message parts whose payload is a Notification."""

    kind = KIND
    can_lookup = False
    supports_threads = False

    def __init__(self, url: str):
        self.url = url
        self.label = service_label(url)

    @property
    def medium(self) -> str:
        try:
            return medium(self.url)
        except ValueError:
            return "text"  # the send says what is wrong with the URL

    def send_notification(self, payload: dict, ref: PartRef, unconfirmed: bool = False) -> Posted:
        import apprise

        body = payload.get("body", "")
        fmt = payload.get("format", "text")
        if unconfirmed:
            body = (
                f"<p><em>({html.escape(UNCONFIRMED)})</em></p>\n" if fmt == "html" else f"({UNCONFIRMED})\n\n"
            ) + body
        ap = apprise.Apprise()
        if not ap.add(self.url):
            raise DeliveryError(f"{self.label}: not a URL Apprise understands", maybe_sent=False)
        formats = {"html": apprise.NotifyFormat.HTML, "markdown": apprise.NotifyFormat.MARKDOWN}
        try:
            ok = ap.notify(
                body=body,
                title=payload.get("title", ""),
                body_format=formats.get(fmt, apprise.NotifyFormat.TEXT),
            )
        except Exception as exc:  # Apprise reports most failures as False; anything else is one too
            raise DeliveryError(f"{self.label}: {type(exc).__name__}", maybe_sent=True) from None
        if not ok:
            # Apprise does not say whether the service took it: a refusal (4xx) or a timeout look the same
            raise DeliveryError(f"{self.label} did not accept the digest", maybe_sent=True)
        return Posted()

    def post(self, blocks, text, ref):  # a Slack-rendered part never goes to Apprise
        raise DeliveryError(
            f"{self.label}: a Slack message part was routed to Apprise (a bug)", maybe_sent=False
        )

    def find_posted(self, ref):
        raise LookupUnavailable(f"{self.label} cannot be read back")
