"""Well-formedness of the ordinary-day article streams, tests/data/day_articles2.jsonl, day_articles3.jsonl and
day_articles4.jsonl (issue 14).

Each stream measures false alarms per 100 ordinary articles on unseen real text, so these checks only prove that
the file is what its day_articlesN_method.md says it is: enough records, no page shared with any other labelled
set, mostly off the beat, at least 30% Spanish (40% for the third and fourth), and the split derived from the URL alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.scoring import article_split, page_key

DATA = Path(__file__).parent / "data"
KEYS = ["id", "url", "lang", "label", "topics", "title", "text", "split", "why"]


@dataclass(frozen=True)
class Stream:
    """One ordinary-day article stream and the floors its method note promises."""

    file: str
    id_prefix: str
    min_records: int
    min_spanish: float

    def __str__(self) -> str:
        return self.file


STREAMS = [
    Stream("day_articles2.jsonl", "art2-d", min_records=150, min_spanish=0.30),
    Stream("day_articles3.jsonl", "art3-d", min_records=180, min_spanish=0.40),
    Stream("day_articles4.jsonl", "art4-d", min_records=180, min_spanish=0.40),
]


@pytest.fixture(scope="module", params=STREAMS, ids=str)
def stream(request) -> Stream:
    return request.param


@pytest.fixture(scope="module")
def records(stream) -> list[dict]:
    text = (DATA / stream.file).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_stream_has_enough_records_with_the_article_keys_in_order(stream, records):
    assert len(records) >= stream.min_records
    for r in records:
        assert list(r) == KEYS, r.get("id")


def test_ids_and_normalised_urls_are_unique(stream, records):
    ids = [r["id"] for r in records]
    urls = [page_key(r["url"]) for r in records]
    assert len(set(ids)) == len(ids)
    assert len(set(urls)) == len(urls)
    assert all(re.fullmatch(rf"{stream.id_prefix}-\d{{3}}", i) for i in ids)


def test_no_page_is_shared_with_any_other_labelled_set(stream, records):
    mine = {page_key(r["url"]) for r in records}
    for other in sorted(DATA.glob("*.jsonl")):
        if other.name == stream.file:
            continue
        theirs = {
            page_key(json.loads(line)["url"])
            for line in other.read_text(encoding="utf-8").splitlines()
            if line.strip()
        }
        assert not mine & theirs, f"shared with {other.name}: {sorted(mine & theirs)[:3]}"


def test_field_values_are_valid(records):
    for r in records:
        assert r["lang"] in {"en", "es"}, r["id"]
        assert r["label"] in {"relevant", "not_relevant"}, r["id"]
        assert r["split"] in {"tune", "heldout"}, r["id"]
        assert r["url"].startswith(("http://", "https://")), r["id"]
        assert r["title"].strip() and r["why"].strip(), r["id"]
        assert isinstance(r["topics"], list), r["id"]
        assert bool(r["topics"]) == (r["label"] == "relevant"), r["id"]


def test_text_is_600_to_1500_characters_of_tidied_excerpt(records):
    for r in records:
        assert 600 <= len(r["text"]) <= 1500, (r["id"], len(r["text"]))
        assert r["text"] == " ".join(r["text"].split()), r["id"]


def test_stream_is_mostly_off_the_beat(records):
    off = sum(r["label"] == "not_relevant" for r in records)
    assert off / len(records) >= 0.85


def test_spanish_share_meets_the_streams_floor(stream, records):
    assert sum(r["lang"] == "es" for r in records) / len(records) >= stream.min_spanish


def test_heldout_share_is_a_third_give_or_take_5_points(records):
    share = sum(r["split"] == "heldout" for r in records) / len(records)
    assert abs(share - 1 / 3) <= 0.05, share


def test_split_is_the_sha1_of_the_normalised_url(records):
    for r in records:
        assert r["split"] == article_split(r["url"]), r["id"]
