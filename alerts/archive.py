"""A static archive of delivered digests: one HTML page per digest, an index page, and an Atom feed per topic.

Written when ``BORDERWATCH_ARCHIVE_DIR`` is set, after each delivery, for any static web server (or a folder
opened in a browser). The archive is *derived* from the store: every run rebuilds it from the digests marked
sent, so a crash between sending and writing is repaired by the next run, and the archive never shows a digest
that did not go out. Only files whose content changed are rewritten, each through a temporary file renamed
into place, so a reader (or a web server) never sees half a page.

Page text is untrusted: everything is HTML-escaped, only http(s) links are linked, and the pages load nothing
from elsewhere (inline CSS, no scripts, no fonts, no images).
"""

from __future__ import annotations

import html
import logging
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone, tzinfo
from pathlib import Path

from feedgen.feed import FeedGenerator

from borderwatch.crashpoint import crashpoint

from .digest import _date as digest_date

log = logging.getLogger(__name__)

ATOM_ITEMS = 50  # newest entries per topic feed
SNIPPET_CHARS = 600
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class ArchivedItem:
    """One story as it went out in a digest (the lead article; other outlets as `also_in`)."""

    article_id: int
    title: str
    url: str
    source: str
    published: datetime | None
    topic_id: str
    topic_name: str
    terms: tuple[str, ...] = ()
    snippet: str = ""
    also_in: tuple[tuple[str, str], ...] = ()  # (outlet, url)


@dataclass(frozen=True)
class ArchivedDigest:
    digest_id: int
    day: str  # ISO date the digest reports on
    sent_at: datetime
    items: tuple[ArchivedItem, ...] = field(default_factory=tuple)

    @property
    def slug(self) -> str:
        return f"{self.day}-{self.digest_id}"


@dataclass
class ArchiveResult:
    dir: str = ""
    written: list[str] = field(default_factory=list)  # paths relative to the archive dir
    unchanged: int = 0
    digests: int = 0
    error: str | None = None  # the archive could not be written (the digest itself went out)


# -- text helpers ---------------------------------------------------------------------------------------


def clean(text: str | None) -> str:
    """Untrusted text for display: control, zero-width and bidi-override characters dropped, spaces folded."""
    return " ".join(_CONTROL.sub("", text or "").split())


def _h(text: str | None) -> str:
    return html.escape(clean(text), quote=True)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript:, data:, or relative tricks)."""
    url = clean(url)
    if re.match(r"^https?://[^\s\"'<>]+$", url, re.IGNORECASE):
        return url
    return None


def _a(url: str | None, label: str) -> str:
    u = safe_url(url)
    if u is None:
        return _h(label)
    return f'<a href="{html.escape(u, quote=True)}" rel="noopener noreferrer">{_h(label)}</a>'


def _date(dt: datetime | None, tz: tzinfo) -> str:
    """The digest's date format; a naive time is UTC (as the store writes it)."""
    return digest_date(_aware(dt) if dt is not None else None, tz)


def clip_clean(text: str | None, n: int) -> str:
    """clean() text cut to at most n characters on a word boundary, with an ellipsis."""
    text = clean(text)
    return text if len(text) <= n else text[: n - 1].rsplit(" ", 1)[0] + "…"


def _slug(topic_id: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", topic_id.lower()).strip("-") or "topic"


# -- rendering ------------------------------------------------------------------------------------------

CSS = """
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
main{max-width:46rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd}
.sub{color:#555;margin:0 0 1rem}.item{margin:0 0 1.2rem}.item h3{font-size:1.05rem;margin:0}
.meta{color:#555;font-size:.9rem}.snippet{margin:.3rem 0 0;padding-left:.8rem;border-left:3px solid #ccc}
code{background:#eee;padding:0 .25rem;border-radius:3px;font-size:.85rem}a{color:#0645ad}
nav{font-size:.9rem;margin-bottom:1rem}ul.digests li{margin:.3rem 0}footer{color:#777;font-size:.8rem;margin-top:3rem}
""".strip()


def _page(title: str, body: str, head_extra: str = "") -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_h(title)}</title>\n<style>{CSS}</style>\n{head_extra}</head>\n"
        f"<body><main>\n{body}\n<footer>Made by borderwatch from public reporting. "
        "Links go to the original articles.</footer>\n</main></body>\n</html>\n"
    )


def _topics(d: ArchivedDigest, order: list[str] | None = None) -> list[tuple[str, str, list[ArchivedItem]]]:
    """Topics in the rules file's order (unknown ones last), items newest first, as in the Slack digest."""
    groups: dict[str, tuple[str, list[ArchivedItem]]] = {}
    for it in d.items:
        groups.setdefault(it.topic_id, (it.topic_name, []))[1].append(it)
    rank = {tid: i for i, tid in enumerate(order or [])}
    out = []
    for tid in sorted(groups, key=lambda t: (rank.get(t, len(rank)), list(groups).index(t))):
        name, items = groups[tid]
        items = sorted(
            items, key=lambda i: (i.published is not None, _aware(i.published or _EPOCH)), reverse=True
        )
        out.append((tid, name, items))
    return out


def render_item(it: ArchivedItem, tz: tzinfo) -> str:
    meta = [_h(it.source), _date(it.published, tz)]
    if it.terms:
        meta.append("matched: " + ", ".join(f"<code>{_h(t)}</code>" for t in it.terms[:6]))
    lines = [f'<article class="item">\n<h3>{_a(it.url, it.title or it.url)}</h3>']
    lines.append(f'<div class="meta">{" · ".join(meta)}</div>')
    if it.also_in:
        lines.append('<div class="meta">also in: ' + ", ".join(_a(u, s) for s, u in it.also_in) + "</div>")
    snippet = clip_clean(it.snippet, SNIPPET_CHARS)
    if snippet:
        lines.append(f'<blockquote class="snippet">{html.escape(snippet)}</blockquote>')
    lines.append("</article>")
    return "\n".join(lines)


def render_digest_page(
    d: ArchivedDigest, title: str, tz: tzinfo, feeds: dict[str, str], topic_order: list[str] | None = None
) -> str:
    groups = _topics(d, topic_order)
    outlets = {it.source for it in d.items} | {s for it in d.items for s, _ in it.also_in}
    n = len(d.items)
    body = [
        '<nav><a href="../index.html">All digests</a></nav>',
        f"<h1>{_h(title)} digest · {_h(_day_label(d.day))}</h1>",
        f'<p class="sub">{n} item{"s" if n != 1 else ""} in {len(groups)} topic'
        f"{'s' if len(groups) != 1 else ''} from {len(outlets)} outlet{'s' if len(outlets) != 1 else ''}</p>",
    ]
    for tid, name, items in groups:
        feed = feeds.get(tid)
        feed_link = f' <a class="meta" href="../{html.escape(feed)}">Atom feed</a>' if feed else ""
        body.append(
            f'<section id="{html.escape(_slug(tid))}">\n<h2>{_h(name)} ({len(items)}){feed_link}</h2>'
        )
        body += [render_item(it, tz) for it in items]
        body.append("</section>")
    return _page(f"{title} digest · {_day_label(d.day)}", "\n".join(body))


def render_index(digests: list[ArchivedDigest], title: str, feeds: dict[str, tuple[str, str]]) -> str:
    body = [f"<h1>{_h(title)}: past digests</h1>"]
    if not digests:
        body.append('<p class="sub">No digest has been delivered yet.</p>')
    else:
        body.append('<ul class="digests">')
        for d in sorted(digests, key=lambda d: (d.day, d.digest_id), reverse=True):
            n = len(d.items)
            body.append(
                f'<li><a href="digests/{html.escape(d.slug)}.html">{_h(_day_label(d.day))}</a> '
                f'<span class="meta">· {n} item{"s" if n != 1 else ""}</span></li>'
            )
        body.append("</ul>")
    if feeds:
        body.append("<h2>Atom feeds by topic</h2>\n<ul>")
        for _tid, (name, path) in sorted(feeds.items(), key=lambda kv: kv[1][0].lower()):
            body.append(f'<li><a href="{html.escape(path)}">{_h(name)}</a></li>')
        body.append("</ul>")
    head = "".join(
        f'<link rel="alternate" type="application/atom+xml" title="{_h(name)}" href="{html.escape(path)}">\n'
        for _tid, (name, path) in sorted(feeds.items())
    )
    return _page(f"{title}: past digests", "\n".join(body), head)


def _day_label(day: str) -> str:
    try:
        d = datetime.strptime(day, "%Y-%m-%d")
    except ValueError:
        return day
    return f"{d:%a} {d.day} {d:%b %Y}"


def render_topic_atom(
    topic_id: str,
    name: str,
    entries: list[tuple[ArchivedDigest, ArchivedItem]],
    title: str,
    base_url: str | None,
) -> bytes:
    """An Atom 1.0 feed of a topic's newest items (feedgen escapes and serialises)."""
    fg = FeedGenerator()
    fg.id(f"tag:borderwatch,2026:topic:{topic_id}")
    fg.title(clean(f"{title}: {name}"))
    fg.author({"name": "borderwatch"})
    fg.language("en")
    if base_url:
        fg.link(href=f"{base_url.rstrip('/')}/topics/{_slug(topic_id)}.atom", rel="self")
    newest = sorted(entries, key=lambda e: (e[0].sent_at, e[1].article_id), reverse=True)[:ATOM_ITEMS]
    updated = newest[0][0].sent_at if newest else datetime(2026, 1, 1, tzinfo=timezone.utc)
    fg.updated(_aware(updated))
    for d, it in reversed(newest):  # feedgen prepends: add oldest first so the newest comes first
        fe = fg.add_entry()
        fe.id(f"tag:borderwatch,2026:item:{it.article_id}")
        fe.title(clean(it.title or it.url) or "(untitled)")
        u = safe_url(it.url)
        if u:
            fe.link(href=u, rel="alternate")
        fe.updated(_aware(d.sent_at))
        if it.published:
            fe.published(_aware(it.published))
        fe.author({"name": clean(it.source) or "unknown"})
        summary = clean(it.snippet)
        if it.also_in:
            summary += (" — also in: " if summary else "also in: ") + ", ".join(
                clean(s) for s, _ in it.also_in
            )
        if summary:
            fe.summary(summary)
        if not u:  # Atom needs an alternate link or content: an unsafe URL is shown as text, never linked
            fe.content(summary or clean(it.title) or "(untitled)", type="text")
    return fg.atom_str(pretty=True)


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


# -- writing --------------------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` through a temporary file renamed into place. False when already identical."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return True


def build_archive(
    out_dir: Path,
    digests: list[ArchivedDigest],
    title: str = "borderwatch",
    tz: tzinfo = timezone.utc,
    base_url: str | None = None,
    topic_order: list[str] | None = None,
) -> ArchiveResult:
    """Write every page of the archive for these digests (unchanged files are left alone)."""
    out_dir = Path(out_dir)
    res = ArchiveResult(digests=len(digests))
    by_topic: dict[str, tuple[str, list[tuple[ArchivedDigest, ArchivedItem]]]] = {}
    for d in digests:
        for it in d.items:
            by_topic.setdefault(it.topic_id, (it.topic_name, []))[1].append((d, it))
    feed_paths = {tid: f"topics/{_slug(tid)}.atom" for tid in by_topic}
    files: dict[str, bytes] = {}
    for tid, (name, entries) in by_topic.items():
        latest_name = max(entries, key=lambda e: e[0].sent_at)[1].topic_name or name
        files[feed_paths[tid]] = render_topic_atom(tid, latest_name, entries, title, base_url)
    for d in digests:
        files[f"digests/{d.slug}.html"] = render_digest_page(d, title, tz, feed_paths, topic_order).encode()
    names = {
        tid: (max(e, key=lambda x: x[0].sent_at)[1].topic_name or n, feed_paths[tid])
        for tid, (n, e) in by_topic.items()
    }
    files["index.html"] = render_index(digests, title, names).encode()
    for rel, data in files.items():
        if write_atomic(out_dir / rel, data):
            res.written.append(rel)
        else:
            res.unchanged += 1
    return res


# -- from the store ------------------------------------------------------------------------------------


def archived_digests(store, topic_names: dict[str, str] | None = None) -> list[ArchivedDigest]:
    """Every delivered daily digest with its stories, as the archive shows them.

    One run writes one digest per destination (the default channel, per-topic channels, Apprise URLs); the
    archive shows the run's digests as one page, each story once."""
    from borderwatch.store import delivered_digest_rows

    topic_names = topic_names or {}
    runs: dict[object, dict] = {}
    for d, leads, also, matches in delivered_digest_rows(store):
        run = runs.setdefault(d.created_at, {"digest": d, "items": {}, "mentions": {}, "sent": []})
        run["sent"].append(d.sent_at or d.created_at)
        for lead_id, a in also:
            seen = run["mentions"].setdefault(lead_id, {})
            seen.setdefault(a.source, a.url)
        for art, rule_id in leads:
            if art.id in run["items"]:
                continue
            m = matches.get((art.id, rule_id))
            run["items"][art.id] = (art, rule_id, m)
    out = []
    for run in runs.values():
        d = run["digest"]
        items = []
        for art, rule_id, m in run["items"].values():
            mentions = run["mentions"].get(art.id, {})
            items.append(
                ArchivedItem(
                    article_id=art.id,
                    title=art.title or art.url,
                    url=art.url,
                    source=art.source,
                    published=art.published or art.first_seen,
                    topic_id=rule_id or "other",
                    topic_name=topic_names.get(rule_id or "", rule_id or "Other"),
                    terms=tuple(m.terms) if m else (),
                    snippet=m.snippet if m else "",
                    also_in=tuple((s, u) for s, u in mentions.items() if s != art.source),
                )
            )
        out.append(
            ArchivedDigest(
                d.id,
                d.day or (d.sent_at or d.created_at).date().isoformat(),
                _aware(min(run["sent"])),
                tuple(items),
            )
        )
    return out


def update_archive(
    store,
    out_dir: str | os.PathLike,
    ruleset=None,
    title: str = "borderwatch",
    tz: tzinfo = timezone.utc,
    base_url: str | None = None,
) -> ArchiveResult:
    names = {r.id: r.name for r in ruleset.rules} if ruleset else {}
    res = build_archive(
        Path(out_dir),
        archived_digests(store, names),
        title=title,
        tz=tz,
        base_url=base_url,
        topic_order=list(names),
    )
    res.dir = str(out_dir)
    return res


def maybe_update_archive(store, ruleset, options) -> ArchiveResult | None:
    """The archive stage: rebuild BORDERWATCH_ARCHIVE_DIR (options.archive_dir) from the delivered digests,
    if it is set.

    A failure to write (permissions, a full disk) is reported, never raised: the digest already went out, and
    the next run rebuilds whatever is missing."""
    out_dir = options.archive_dir
    if not out_dir:
        return None
    crashpoint("before_archive")
    try:
        res = update_archive(
            store,
            out_dir,
            ruleset,
            title=options.title,
            tz=options.tz,
            base_url=options.archive_url,
        )
    except OSError as exc:
        log.warning("archive not written to %s: %s", out_dir, exc.strerror or exc)
        return ArchiveResult(
            dir=out_dir, error=f"cannot write the archive in {out_dir}: {exc.strerror or exc}"
        )
    if res.written:
        log.info("archive updated", extra={"event": "archive.updated", "written": len(res.written)})
    return res
