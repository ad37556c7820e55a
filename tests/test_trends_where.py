"""The weekly "where" panel: matched articles per state this week against the 4-week average, from the tags
stored at match time (or from the text for articles tagged by no or an older gazetteer)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from borderwatch.alerts.rules import load_rules
from borderwatch.alerts.tagging import shipped
from borderwatch.alerts.trends import compute_trends, render_png
from borderwatch.store import ArticleRow, MatchRow, Store

from .conftest import REPO
from .trends_history import END, WEEKS, build_history

# SYNTHETIC: (weeks before END, text); this week is the last one
TAGGED = [
    *[(0, "CJNG drones hit police in Aguililla, Michoacán.")] * 5,
    *[(0, "Drones over Culiacán, Sinaloa.")] * 1,
    *[(w, "Drones over Culiacán, Sinaloa.") for w in (1, 2, 3, 4) for _ in range(3)],
    *[(w, "Cartel drones in Michoacán.") for w in (1, 3)],
    *[(0, "Agents in the El Paso Sector saw drones.")] * 2,
]


@pytest.fixture
def trends(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    build_history(store)
    tagger = shipped()
    with store.session() as s:
        for n, (weeks_back, text) in enumerate(TAGGED):
            when = END - timedelta(weeks=weeks_back, days=3)
            a = ArticleRow(
                url=f"https://where.example/{n}",
                source="W",
                title="SYNTHETIC",
                text=text,
                published=when,
                first_seen=when,
                status="matched",
            )
            # half stored at match time, half left untagged (matched before tagging existed)
            if n % 2:
                a.tags = tagger.tag("", text).stored(tagger.version)
            s.add(a)
            s.flush()
            s.add(MatchRow(article_id=a.id, rule_id="cartel_drones", terms=["drone"], matched_at=when))
    yield compute_trends(store, load_rules(REPO / "tests" / "data" / "trends_keywords.yaml"), END, WEEKS)
    store.dispose()


def test_where_counts_matched_articles_per_state_against_the_four_week_average(trends):
    by = {t.name: t for t in trends.where}
    assert [t.name for t in trends.where][:2] == ["Michoacán", "Sinaloa"]
    assert by["Michoacán"].this_week == 5 and by["Michoacán"].average == 0.5
    assert by["Sinaloa"].this_week == 1 and by["Sinaloa"].average == 3
    assert by["Texas"].this_week == 2 and by["Texas"].rule_id == "US"  # a CBP sector counts for its state
    assert (
        "Where (matched articles per state this week, 4-week average): Michoacán 5 (0.5)" in trends.summary()
    )
    assert trends.to_json()["where"][0]["state"] == "Michoacán"


def test_the_chart_carries_the_where_panel_and_stays_phone_shaped(trends):
    with_where = Image.open(io.BytesIO(render_png(trends))).size
    trends.where = []
    without = Image.open(io.BytesIO(render_png(trends))).size
    assert with_where[0] == without[0] == 1080
    assert without[1] < with_where[1] <= 2600
