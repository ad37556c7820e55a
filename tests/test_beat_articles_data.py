"""Well-formedness of the article-level beat samples (tests/data/beat_articles2.jsonl, beat_articles3.jsonl and
beat_articles4.jsonl, issue 14).

Checks the data only, not the rules: the sets must stay usable as unseen text, so nothing here runs a matcher.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.scoring import article_split, page_key

DATA = Path(__file__).parent / "data"
SETS = ["beat_articles2.jsonl", "beat_articles3.jsonl", "beat_articles4.jsonl"]
KEYS = ["id", "url", "lang", "label", "topics", "title", "text", "split", "why"]
ID_PREFIX = {
    "beat_articles2.jsonl": "art2-b-",
    "beat_articles3.jsonl": "art3-b-",
    "beat_articles4.jsonl": "art4-b-",
}
MIN_RECORDS = 150


@pytest.fixture(scope="module", params=SETS)
def sample(request) -> tuple[str, list[dict]]:
    path = DATA / request.param
    return request.param, [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_set_loads_with_enough_records_in_key_order(sample):
    _, records = sample
    assert len(records) >= MIN_RECORDS
    for r in records:
        assert list(r) == KEYS, r.get("id")


def test_ids_follow_the_set_prefix_in_order(sample):
    name, records = sample
    assert [r["id"] for r in records] == [f"{ID_PREFIX[name]}{n:03d}" for n in range(1, len(records) + 1)]


def test_ids_and_normalised_urls_are_unique(sample):
    _, records = sample
    assert len({r["id"] for r in records}) == len(records)
    assert len({page_key(r["url"]) for r in records}) == len(records)


def test_no_url_is_shared_with_any_other_data_file(sample):
    name, records = sample
    ours = {page_key(r["url"]) for r in records}
    for path in DATA.glob("*.jsonl"):
        if path.name == name:
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                url = json.loads(line).get("url")
                assert not url or page_key(url) not in ours, (path.name, url)


def test_field_values_are_valid(sample):
    _, records = sample
    for r in records:
        assert r["lang"] in {"en", "es"}, r["id"]
        assert r["label"] in {"relevant", "not_relevant"}, r["id"]
        assert r["split"] in {"tune", "heldout"}, r["id"]
        assert isinstance(r["topics"], list), r["id"]
        assert bool(r["topics"]) == (r["label"] == "relevant"), r["id"]
        assert r["title"].strip() and r["why"].strip(), r["id"]


def test_text_is_600_to_1500_characters(sample):
    _, records = sample
    for r in records:
        assert 600 <= len(r["text"]) <= 1500, (r["id"], len(r["text"]))


def test_label_language_and_split_shares(sample):
    _, records = sample
    n = len(records)
    relevant = sum(r["label"] == "relevant" for r in records) / n
    spanish = sum(r["lang"] == "es" for r in records) / n
    heldout = sum(r["split"] == "heldout" for r in records) / n
    assert 0.40 <= relevant <= 0.60, relevant
    assert spanish >= 0.30, spanish
    assert abs(heldout - 1 / 3) <= 0.05, heldout


def test_split_follows_the_sha1_rule(sample):
    _, records = sample
    for r in records:
        assert r["split"] == article_split(r["url"]), r["id"]
