"""Exactly-once digest delivery through an outbox in the database.

1. Queued items (matched, never in a digest) are clustered into stories (near-duplicates become "also in"),
   and written as a digest with its items and rendered parts, in one transaction, *before* anything is sent.
2. Each part is marked 'sending' before the post and 'sent' (with Slack's ts and channel) after the
   acknowledgement. Parts after the first go into the first part's thread where the channel has threads.
3. A part left in 'sending' (crash, timeout, lost answer) is looked up in the channel by its message metadata
   (conversations.history, or conversations.replies for a thread reply) before it is re-sent, so a post Slack
   accepted is never posted again. Channels that cannot be read back (webhook, no history scope) re-send it
   with a visible "may repeat" note: a possible duplicate beats a lost digest.

A part is a message (Block Kit blocks plus the fallback text), for an Apprise destination a notification
(`kind='notify'`, described by `payload`), or a file (`kind='file'`: the weekly trends chart, a digest of
kind 'trends' that alerts/trends_delivery.py sends on its own day; looked up by its Slack file id, see
Deliverer.find_uploaded); every part goes through the same states.

Destinations. Each destination (a Slack channel, a webhook, see alerts/delivery.py) gets its own digest
row, parts and states, so its delivery, lost-ack recovery and retries are its own: a channel that fails is
retried on the next run, the ones that succeeded are not posted to again. All destinations' digests of a run
are written in one transaction. An item firing rules routed to several destinations goes once to each,
under its best topic there. Warnings go to the default destination only.

A day with nothing new but with warnings (broken rules file, a failing source) gets one short quiet-day
message (`kind='warnings'`) through the same outbox. The keys of the warnings a message carried are kept in
its first part's `payload` (`{"warnings": [...]}`), so each problem is posted at most once per digest day,
whether it went out in the day's digest or in a quiet-day message.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo

from borderwatch.config import DEFAULTS, Settings, build_settings
from borderwatch.crashpoint import crashpoint
from borderwatch.records import warning_key
from borderwatch.store import ArticleRow, DigestPart, MatchRow, Store, utcnow
from borderwatch.store import outbox as queue

from .dedup import Doc, cluster
from .delivery import (
    DEFAULT_DESTINATION,
    UNCONFIRMED,
    Deliverer,
    DeliveryError,
    LookupUnavailable,
    PartRef,
    describe_destination,
)
from .digest import DigestEntry, Mention, RenderedPart, render, render_quiet_day
from .notify import destination_of, is_apprise, render_notifications
from .ranking import score as story_score
from .ranking import title_hit
from .rules import RuleSet
from .snippet import best_snippet, term_objects
from .tagging import merge, tags_for
from .translate import TranslateSettings, translate_entries

log = logging.getLogger(__name__)

DEFAULT_DUP_WINDOW_DAYS = DEFAULTS.delivery.duplicate_window_days
UNCONFIRMED_NOTE = {
    "type": "context",
    "elements": [
        {
            "type": "mrkdwn",
            "text": f":repeat: {UNCONFIRMED}",
        }
    ],
}


@dataclass
class DeliveryOptions:
    """The digest's settings (Settings.delivery) with the timezone resolved."""

    tz: tzinfo = timezone.utc
    title: str = DEFAULTS.delivery.digest_title
    dup_threshold: float = DEFAULTS.delivery.duplicate_threshold
    dup_window_days: int = DEFAULT_DUP_WINDOW_DAYS
    translate: TranslateSettings | None = None  # off by default (alerts/translate.py)
    # Apprise URLs (BORDERWATCH_NOTIFY): each one more destination of every item; secrets, kept out of repr
    notify: tuple[str, ...] = field(default=(), repr=False)
    archive_dir: str | None = None  # BORDERWATCH_ARCHIVE_DIR (alerts/archive.py)
    archive_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings | Mapping | None, env=None) -> DeliveryOptions:
        """From a Settings (or a sources.yaml settings mapping plus `env`, built into one)."""
        from borderwatch.schedule import timezone_named

        d = build_settings(settings, env).delivery
        return cls(
            tz=timezone_named(d.timezone),
            title=d.digest_title,
            dup_threshold=d.duplicate_threshold,
            dup_window_days=d.duplicate_window_days,
            translate=d.translate,
            notify=d.notify,
            archive_dir=d.archive_dir,
            archive_url=d.archive_url,
        )


@dataclass
class Repeat:
    article_id: int
    title: str
    source: str
    url: str
    earlier_id: int
    earlier_title: str


@dataclass
class DigestPlan:
    entries: list[DigestEntry]
    items: list[tuple[int, str, int | None, str | None]]  # (article_id, role, lead_article_id, rule_id)
    repeats: list[Repeat] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. a translator that failed (default destination)


@dataclass
class DeliveryResult:
    digests: list[int] = field(default_factory=list)
    parts_sent: int = 0
    items: int = 0
    repeats: int = 0
    error: str | None = None
    nothing_new: bool = False
    warnings_sent: int = 0  # warning lines posted in a quiet-day message this run (nothing new to report)
    failed: dict[str, str] = field(default_factory=dict)  # destination -> why its digest waits
    delivered: list[str] = field(default_factory=list)  # destinations that got a digest this run


# -- planning (read-only) -----------------------------------------------------------------------------


def routes(ruleset: RuleSet | None, deliverer: Deliverer | None) -> dict[str, str]:
    """rule id -> destination key (rules missing here, e.g. removed since they fired, go to the default). A
    rule with `topic:` goes where its topic goes (its matches are stored under the topic; this covers any
    stored under its own id before it had `topic:`)."""
    if ruleset is None or deliverer is None:
        return {}
    return {r.id: deliverer.route(ruleset.by_id(r.topic_id) or r) for r in ruleset.rules}


def destinations_of(ruleset: RuleSet | None, route: dict[str, str]) -> list[str]:
    """Every destination, the default first, then in the order their first rule appears."""
    rules = ruleset.rules if ruleset else []
    return list(dict.fromkeys([DEFAULT_DESTINATION, *(route.get(r.id, DEFAULT_DESTINATION) for r in rules)]))


def plan_digest(
    store: Store,
    ruleset: RuleSet | None,
    options: DeliveryOptions,
    now: datetime,
    destination: str = DEFAULT_DESTINATION,
    route: dict[str, str] | None = None,
) -> DigestPlan:
    """What the next digest for `destination` would hold: the queued articles that fired a rule routed
    there, clustered into stories, each under its best topic among those rules."""
    route = route or {}
    order = [r.id for r in ruleset.rules] if ruleset else []
    names = {r.id: r.name for r in ruleset.rules} if ruleset else {}
    rank = {rid: i for i, rid in enumerate(order)}
    rows = queue.queued_matches(store)
    sent_rows = queue.sent_since(store, now - timedelta(days=options.dup_window_days), destination)
    arts: dict[int, ArticleRow] = {}
    matches: dict[int, list[MatchRow]] = {}
    everything = is_apprise(destination)  # an Apprise destination gets every item, under its best topic
    for art, m in rows:
        if not everything and route.get(m.rule_id, DEFAULT_DESTINATION) != destination:
            continue
        arts[art.id] = art
        matches.setdefault(art.id, []).append(m)
    if not arts:
        return DigestPlan([], [])

    def when(a: ArticleRow) -> datetime:
        return a.published or a.first_seen or now

    sort_key = {aid: (when(a), aid) for aid, a in arts.items()}
    clustering = cluster(
        [Doc(a.id, a.title or "", a.text or "") for a in arts.values()],
        [Doc(r.id, r.title or "", r.text or "") for r in sent_rows],
        sort_key,
        options.dup_threshold,
    )
    earlier_titles = {r.id: r.title for r in sent_rows}
    plan = DigestPlan([], [])
    for aid, earlier in sorted(clustering.repeats.items()):
        a = arts[aid]
        plan.repeats.append(
            Repeat(aid, a.title or a.url, a.source, a.url, earlier, earlier_titles.get(earlier) or "")
        )
        plan.items.append((aid, "repeat", earlier, None))

    def rule_rank(rule_id: str) -> tuple:
        return (rank.get(rule_id, len(rank)), rule_id)

    for members in clustering.clusters:
        lead = arts[members[0]]
        fired = sorted(
            {m.rule_id for aid in members for m in matches[aid]},
            key=rule_rank,
        )
        best = fired[0]
        terms: list[str] = []
        best_match = None
        for aid in members:
            for m in matches[aid]:
                if m.rule_id == best:
                    terms += [t for t in m.terms if t not in terms]
                    if best_match is None:
                        best_match = (aid, m)
        src_aid, src_match = best_match
        src = arts[src_aid]
        other_terms = [t for aid in members for m in matches[aid] if m.rule_id != best for t in m.terms]
        snippet = best_snippet(
            src.text or "",
            term_objects(ruleset, list(src_match.terms)),
            term_objects(ruleset, other_terms),
            language=src.language,
            fallback=src_match.snippet or "",
        )
        also, seen_sources = [], {lead.source}
        for aid in members[1:]:
            a = arts[aid]
            if a.source not in seen_sources:  # a re-post by the same outlet is not news of its own
                seen_sources.add(a.source)
                also.append(Mention(a.source, a.url))
        hit = title_hit([arts[aid].title for aid in members], term_objects(ruleset, terms))
        strength = story_score(hit, len(terms), 1 + len(also), when(lead), now)
        tags = merge([tags_for(arts[aid].tags, arts[aid].title, arts[aid].text) for aid in members])
        plan.entries.append(
            DigestEntry(
                article_id=lead.id,
                title=lead.title or lead.url,
                url=lead.url,
                source=lead.source,
                language=lead.language,
                published=when(lead),
                rule_id=best,
                rule_name=names.get(best, best),
                terms=terms,
                snippet=snippet,
                other_rules=[names.get(r, r) for r in fired[1:]],
                also_in=also,
                member_ids=list(members),
                score=strength,
                tags=tags,
            )
        )
        plan.items.append((lead.id, "item", None, best))
        plan.items += [(aid, "also", lead.id, best) for aid in members[1:]]
    return plan


def plan_all(
    store: Store,
    ruleset: RuleSet | None,
    options: DeliveryOptions,
    now: datetime,
    deliverer: Deliverer | None,
) -> list[tuple[str, DigestPlan]]:
    """[(destination, its plan)] for every destination, the default first."""
    route = routes(ruleset, deliverer)
    dests = destinations_of(ruleset, route) + [destination_of(u) for u in options.notify]
    plans = [(d, plan_digest(store, ruleset, options, now, d, route)) for d in dests]
    if plans and options.translate is not None:  # one deadline for every destination's items
        everything = [e for _, p in plans for e in p.entries]
        plans[0][1].warnings += translate_entries(store, everything, options.translate)
    return plans


def reach(deliverer: Deliverer, destination: str) -> tuple[Deliverer | None, str | None]:
    """(the destination's deliverer, None) or (None, why it cannot be reached from this run)."""
    try:
        return deliverer.to(destination), None
    except DeliveryError as exc:
        return None, str(exc)


def render_plan(
    plan: DigestPlan,
    ruleset: RuleSet | None,
    options: DeliveryOptions,
    warnings: list[str],
    now: datetime,
    threaded: bool,
    buttons: bool = False,
) -> list[RenderedPart]:
    return render(
        plan.entries,
        now.astimezone(options.tz),
        [r.id for r in ruleset.rules] if ruleset else [],
        warnings,
        title=options.title,
        repeats=len(plan.repeats),
        threaded=threaded,
        tz=options.tz,
        buttons=buttons,
    )


def render_for_apprise(
    plan: DigestPlan, ruleset: RuleSet | None, options: DeliveryOptions, now: datetime, target
) -> list[RenderedPart]:
    """The digest as Apprise messages, in the medium the destination's service shows best."""
    fmt = target.medium if target is not None else "text"
    local = now.astimezone(options.tz)
    notes = render_notifications(
        plan.entries,
        f"{local:%a} {local.day} {local:%b %Y}",
        [r.id for r in ruleset.rules] if ruleset else [],
        fmt,
        title=options.title,
        tz=options.tz,
    )
    ids = [e.article_id for e in plan.entries]
    return [RenderedPart([], n.title, ids, kind="notify", payload=n.to_payload()) for n in notes]


# -- the outbox ---------------------------------------------------------------------------------------


def create_digest(
    store: Store,
    plan: DigestPlan,
    parts: list[RenderedPart],
    channel: str,
    threaded: bool,
    options: DeliveryOptions,
    now: datetime,
    warnings: list[str] | None = None,
    kind: str = "daily",
    destination: str = DEFAULT_DESTINATION,
) -> int:
    """Write the digest, its items and its parts in one transaction (before anything is sent).

    `warnings`: the warning lines the parts carry; their keys go into part 0's payload (see warnings_posted).
    """
    return create_digests(
        store, [(destination, plan, parts, channel, threaded, warnings)], options, now, kind
    )[0]


def create_digests(
    store: Store,
    digests: list[tuple[str, DigestPlan, list[RenderedPart], str, bool, list[str] | None]],
    options: DeliveryOptions,
    now: datetime,
    kind: str = "daily",
) -> list[int]:
    """Write several destinations' digests (destination, plan, parts, channel kind, threaded, warnings) in
    one transaction, so no item is ever recorded for one destination and lost for another."""
    return queue.create_digests(
        store,
        [
            _new_digest(destination, plan, parts, channel, threaded, options, now, warnings, kind)
            for destination, plan, parts, channel, threaded, warnings in digests
        ],
    )


def _new_digest(destination, plan, parts, channel, threaded, options, now, warnings, kind) -> queue.NewDigest:
    keys = list(dict.fromkeys(warning_key(w) for w in warnings or []))
    new_parts = []
    for i, p in enumerate(parts):
        payload = dict(p.payload or {})
        if i == 0 and keys:
            payload["warnings"] = keys
        new_parts.append(
            queue.NewPart(
                blocks=p.blocks,
                text=p.text,
                thread=bool(threaded and i > 0),
                payload=payload or None,
                kind=p.kind,
            )
        )
    return queue.NewDigest(
        destination=destination,
        channel=channel,
        items=[queue.NewItem(aid, role, lead, rule) for aid, role, lead, rule in plan.items],
        parts=new_parts,
        item_count=len(plan.entries),
        created_at=now,
        day=digest_day(now, options),
        kind=kind,
    )


def digest_day(now: datetime, options: DeliveryOptions) -> str:
    """The local day a digest reports on (the schedule's timezone), as stored in DigestRow.day."""
    return now.astimezone(options.tz).date().isoformat()


def warnings_posted(store: Store, day: str) -> set[str]:
    """Keys of the warnings already in the outbox for `day` (sent, or queued and retried until sent)."""
    payloads = queue.first_part_payloads(store, day, DEFAULT_DESTINATION)
    return {k for p in payloads if isinstance(p, dict) for k in p.get("warnings") or []}


def supersede_stale_quiet_days(store: Store, today: str) -> int:
    """An earlier day's quiet-day message that never went out is dropped, not posted late: today's run
    checks the warnings afresh, and posts the ones still true (their keys are new for today)."""
    return queue.supersede_pending(store, "warnings", today)


def _with_note(blocks: list[dict]) -> list[dict]:
    return [*blocks, UNCONFIRMED_NOTE] if len(blocks) < 50 else blocks


def send_digest(store: Store, digest_id: int, deliverer: Deliverer, stop=None) -> int:
    """Send every unsent part of a digest, in order. Raises DeliveryError and leaves the rest queued."""
    digest, parts = queue.digest_and_parts(store, digest_id)
    total, sent = len(parts), 0
    parent: DigestPart | None = None
    for part in parts:
        if part.status == "sent":
            parent = part if part.idx == 0 else parent
            continue
        if stop is not None:
            stop.check(f"part {part.idx + 1}/{total} of digest {digest_id}")
        in_thread = part.thread and deliverer.supports_threads and parent is not None and parent.ts
        ref = PartRef(
            digest_id=digest_id,
            part_id=part.id,
            idx=part.idx + 1,
            total=total,
            thread_ts=parent.ts if in_thread else None,
            since=digest.created_at,
            channel_id=part.channel_id or (parent.channel_id if parent else None),
            file_id=part.file_id,
        )
        blocks = part.blocks
        unknown = part.status == "sending"
        if unknown:
            try:
                found = deliverer.find_uploaded(ref) if part.kind == "file" else deliverer.find_posted(ref)
            except LookupUnavailable as exc:
                log.warning(
                    "part %s/%s of digest %s may already be in Slack and %s; re-sending it with a note",
                    ref.idx,
                    total,
                    digest_id,
                    exc,
                )
                found, blocks = None, _with_note(blocks)
            except DeliveryError as exc:  # the channel could not be asked: stays 'sending', asked again
                queue.mark_part_failed(store, part.id, "sending", str(exc))
                raise
            if found is not None:
                log.info(
                    "part %s/%s of digest %s was already posted (ts %s)", ref.idx, total, digest_id, found.ts
                )
                row = queue.mark_part_sent(store, part.id, found.ts, found.channel_id, found.file_id)
                parent = row if part.idx == 0 else parent
                continue
        queue.mark_part_sending(store, part.id)
        step = "upload" if part.kind == "file" else "post"
        crashpoint(f"before_{step}_{ref.idx}")
        try:
            if part.kind == "notify":
                posted = deliverer.send_notification(
                    part.payload or {}, ref, unconfirmed=blocks is not part.blocks
                )
            elif part.kind == "file":
                posted = deliverer.upload(
                    part.payload or {},
                    ref,
                    on_file_id=lambda fid, pid=part.id: queue.set_part_file_id(store, pid, fid),
                    unconfirmed=blocks is not part.blocks,
                )
            else:
                posted = deliverer.post(blocks, part.text, ref)
        except DeliveryError as exc:
            queue.mark_part_failed(
                store, part.id, "sending" if (exc.maybe_sent or unknown) else "pending", str(exc)
            )
            raise
        crashpoint(f"after_{step}_{ref.idx}")
        row = queue.mark_part_sent(store, part.id, posted.ts, posted.channel_id, posted.file_id)
        parent = row if part.idx == 0 else parent
        sent += 1
        crashpoint(f"after_part_{ref.idx}")
    queue.mark_digest_sent(store, digest_id)
    return sent


def pending_digests(store: Store) -> list[tuple[int, str]]:
    """(digest id, destination) of every digest not fully sent, oldest first."""
    return queue.pending_digests(store)


def _error_text(failed: dict[str, str]) -> str | None:
    if not failed:
        return None
    if list(failed) == [DEFAULT_DESTINATION]:
        return failed[DEFAULT_DESTINATION]
    return "; ".join(f"{describe_destination(d)}: {e}" for d, e in failed.items())


def deliver(
    store: Store,
    deliverer: Deliverer,
    ruleset: RuleSet | None,
    warnings: list[str],
    now: datetime | None = None,
    options: DeliveryOptions | None = None,
    stop=None,
) -> DeliveryResult:
    """Finish any digest an earlier run left unsent, then build and send today's from the queued items."""
    now = now or utcnow()
    options = options or DeliveryOptions()
    res = DeliveryResult()
    day = digest_day(now, options)
    failed = res.failed  # a destination that failed this run is not tried again in it (order matters)

    def send(did: int, dest: str) -> None:
        if dest in failed:
            return
        target, why = reach(deliverer, dest)
        try:
            if target is None:
                raise DeliveryError(why or "unreachable", maybe_sent=False)
            res.parts_sent += send_digest(store, did, target, stop)
            res.digests.append(did)
            res.delivered.append(dest)
        except DeliveryError as exc:
            failed[dest] = str(exc)
            log.warning("digest %s for %s waits for the next run: %s", did, describe_destination(dest), exc)

    supersede_stale_quiet_days(store, day)
    for did, dest in pending_digests(store):  # finish what an earlier run started first
        send(did, dest)
    if stop is not None:
        stop.check("building the digest")
    new = []
    default_items = 0
    for dest, plan in plan_all(store, ruleset, options, now, deliverer):
        res.repeats += len(plan.repeats)
        res.items += 0 if is_apprise(dest) else len(plan.entries)  # Apprise copies every item: not counted
        default_items += len(plan.entries) if dest == DEFAULT_DESTINATION else 0
        if not (plan.entries or plan.repeats):
            continue
        target, _why = reach(deliverer, dest)
        threaded = bool(target and target.supports_threads)
        carried = [*warnings, *plan.warnings] if dest == DEFAULT_DESTINATION else []
        if is_apprise(dest):
            parts = render_for_apprise(plan, ruleset, options, now, target) if plan.entries else []
        else:
            buttons = bool(target and target.interactive)
            parts = (
                render_plan(plan, ruleset, options, carried, now, threaded, buttons) if plan.entries else []
            )
        kind = target.kind if target else deliverer.kind
        new.append((dest, plan, parts, kind, threaded, carried if parts else None))
    res.nothing_new = not res.items
    ids = create_digests(store, new, options, now) if new else []
    crashpoint("digest_created")
    for did, (dest, _plan, parts, *_rest) in zip(ids, new, strict=True):
        if parts:
            send(did, dest)
    if not default_items:
        posted = warnings_posted(store, day)
        fresh = [w for w in warnings if warning_key(w) not in posted]
        if fresh:
            part = render_quiet_day(
                now.astimezone(options.tz), fresh, title=options.title, elsewhere=res.items
            )
            did = create_digest(
                store,
                DigestPlan([], []),
                [part],
                deliverer.kind,
                False,
                options,
                now,
                warnings=fresh,
                kind="warnings",
            )
            crashpoint("quiet_day_created")
            sent_before = res.parts_sent
            send(did, DEFAULT_DESTINATION)
            if res.parts_sent > sent_before:
                res.warnings_sent = len(fresh)
    res.error = _error_text(failed)
    return res


# -- preview ------------------------------------------------------------------------------------------


@dataclass
class PreviewMessage:
    digest_id: int | None  # None: the digest that would be built now
    part: int
    of: int
    status: str  # pending | sending (unconfirmed earlier attempt) | new
    thread: bool
    blocks: list[dict]
    text: str
    destination: str = DEFAULT_DESTINATION


def preview(
    store: Store,
    ruleset: RuleSet | None,
    options: DeliveryOptions,
    threaded: bool,
    warnings: list[str] | None = None,
    now: datetime | None = None,
    deliverer: Deliverer | None = None,
) -> tuple[list[PreviewMessage], DigestPlan]:
    """What a delivery now would send, in order, without writing anything: every destination's messages.

    Without a deliverer everything is planned for the default destination (`threaded` says how it posts).
    The plan returned holds every destination's entries and repeats (an item sent to two channels twice).
    """
    now = now or utcnow()
    out: list[PreviewMessage] = []
    for p, total, dest in queue.unsent_parts(store):
        text = _notify_text(p.text, p.payload) if p.kind == "notify" else p.text
        out.append(PreviewMessage(p.digest_id, p.idx + 1, total, p.status, p.thread, p.blocks, text, dest))
    merged = DigestPlan([], [])
    for dest, plan in plan_all(store, ruleset, options, now, deliverer):
        if is_apprise(dest):  # every item again, rendered for its medium: shown, not counted twice
            if plan.entries:
                target, _why = reach(deliverer or Deliverer(), dest)
                parts = render_for_apprise(plan, ruleset, options, now, target)
                for i, p in enumerate(parts):
                    text = _notify_text(p.text, p.payload)
                    out.append(PreviewMessage(None, i + 1, len(parts), "new", False, [], text, dest))
            continue
        merged.entries += plan.entries
        merged.repeats += plan.repeats
        merged.items += plan.items
        if not plan.entries:
            continue
        buttons = False
        if deliverer is not None:
            target, _why = reach(deliverer, dest)
            threaded = bool(target and target.supports_threads)
            buttons = bool(target and target.interactive)
        carried = [*(warnings or []), *plan.warnings] if dest == DEFAULT_DESTINATION else []
        parts = render_plan(plan, ruleset, options, carried, now, threaded, buttons)
        for i, p in enumerate(parts):
            out.append(
                PreviewMessage(None, i + 1, len(parts), "new", threaded and i > 0, p.blocks, p.text, dest)
            )
    return out, merged


def _notify_text(title: str, payload: dict | None) -> str:
    """An Apprise part as the preview shows it: its title, then its body (HTML, Markdown or text)."""
    body = (payload or {}).get("body", "")
    return f"{title}\n\n{body}" if body else title
