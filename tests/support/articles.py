"""SYNTHETIC articles written straight into a test database, for delivery tests that need a long day.

Each article is distinct prose (random words from a fixed vocabulary, seeded by its number, so two articles
share almost no 3-word sequences and are never near-duplicates) plus one sentence that fires a rule of the
default keywords.yaml. They are stored as status 'new', exactly as the crawler leaves an extracted article,
so the real `borderwatch match` / `run` picks them up.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from borderwatch.store import ArticleRow, Store, UrlSeen

VOCAB = (
    "patrol convoy sector ranch highway river canyon checkpoint warehouse airstrip mesa valley report "
    "officials agents sheriff governor mayor analysts residents farmers truckers witnesses prosecutors "
    "monday tuesday wednesday thursday friday weekend morning evening night dawn afternoon spring autumn "
    "northern southern eastern western rural remote coastal mountain desert border county municipal "
    "investigation statement briefing hearing budget contract program pilot funding equipment radar "
    "sensor camera battery antenna signal frequency operator license permit registry inspection audit "
    "smuggling trafficking surveillance incursion sighting flight route payload package shipment cargo "
    "said added noted warned confirmed denied described estimated reported announced requested approved "
    "several dozen hundreds thousands three four five seven twelve twenty first second third last next "
    "local federal state regional national international private commercial military civilian police"
).split()

RULE_SENTENCES = [
    "Officials said gunmen linked to a cartel used an armed drone in the attack.",
    "The unit deployed counter-UAS jammers near the crossing.",
    "Prosecutors said the CJNG cell ran the drone workshop.",
    "Analysts tied the Chapitos faction to a drone attack on the convoy.",
    "Pilots flew FPV craft carrying small explosives over Michoacán.",
]


def synthetic_article(i: int, now: datetime) -> dict:
    rnd = random.Random(i)
    words = lambda n: " ".join(rnd.choice(VOCAB) for _ in range(n))  # noqa: E731
    paragraphs = [
        words(35).capitalize() + ".",
        RULE_SENTENCES[i % len(RULE_SENTENCES)],
        words(40).capitalize() + ".",
    ]
    return {
        "url": f"https://synthetic.example/news/{i:04d}-{rnd.choice(VOCAB)}/",
        "source": f"Synthetic Outlet {i % 6}",
        "title": f"{words(7).capitalize()} ({i})",
        "text": "\n".join(paragraphs),
        "published": now - timedelta(minutes=10 * i + 5),
    }


def seed_articles(db_url: str, n: int, start: int = 0, now: datetime | None = None) -> list[str]:
    """Store n synthetic articles as freshly extracted ('new'); returns their URLs."""
    now = now or datetime.now(timezone.utc)
    store = Store(db_url)
    urls = []
    with store.session() as s:
        for i in range(start, start + n):
            a = synthetic_article(i, now)
            row = ArticleRow(
                url=a["url"],
                source=a["source"],
                title=a["title"],
                text=a["text"],
                published=a["published"],
                language="en",
                status="new",
            )
            s.add(row)
            s.flush()
            s.add(UrlSeen(url=a["url"], article_id=row.id))
            urls.append(a["url"])
    store.dispose()
    return urls


def seed_article(db_url: str, url: str, title: str, text: str, source: str, age_minutes: int = 5) -> None:
    """Store one given article as freshly extracted ('new')."""
    store = Store(db_url)
    with store.session() as s:
        row = ArticleRow(
            url=url,
            source=source,
            title=title,
            text=text,
            published=datetime.now(timezone.utc) - timedelta(minutes=age_minutes),
            language="en",
            status="new",
        )
        s.add(row)
        s.flush()
        s.add(UrlSeen(url=url, article_id=row.id))
    store.dispose()
