"""Well-formedness of the ordinary-day article streams, tests/data/day_articles2.jsonl, day_articles3.jsonl,
day_articles4.jsonl, day_articles5.jsonl, day_articles6.jsonl, day_articles7.jsonl, day_articles8.jsonl,
day_articles9.jsonl, day_articles10.jsonl, day_articles11.jsonl, day_articles12.jsonl, day_articles13.jsonl,
day_articles14.jsonl, day_articles15.jsonl, day_articles16.jsonl, day_articles17.jsonl and day_articles18.jsonl
(issue 14).

Each stream measures false alarms per 100 ordinary articles on unseen real text, so these checks only prove that
the file is what its day_articlesN_method.md says it is: enough records, no page shared with any other labelled
set, mostly off the beat, at least 30% Spanish (40% for the third to fifteenth), and the split derived from the URL
alone. The checks every article sample shares are in tests/support/article_data.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from tests.support import article_data as data


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
    Stream("day_articles5.jsonl", "art5-d", min_records=200, min_spanish=0.40),
    Stream("day_articles6.jsonl", "art6-d", min_records=200, min_spanish=0.40),
    Stream("day_articles7.jsonl", "art7-d", min_records=200, min_spanish=0.40),
    Stream("day_articles8.jsonl", "art8-d", min_records=200, min_spanish=0.40),
    Stream("day_articles9.jsonl", "art9-d", min_records=200, min_spanish=0.40),
    Stream("day_articles10.jsonl", "art10-d", min_records=200, min_spanish=0.40),
    Stream("day_articles11.jsonl", "art11-d", min_records=200, min_spanish=0.40),
    Stream("day_articles12.jsonl", "art12-d", min_records=200, min_spanish=0.40),
    Stream("day_articles13.jsonl", "art13-d", min_records=190, min_spanish=0.40),
    Stream("day_articles14.jsonl", "art14-d", min_records=190, min_spanish=0.40),
    Stream("day_articles15.jsonl", "art15-d", min_records=190, min_spanish=0.40),
    Stream("day_articles16.jsonl", "art16-d", min_records=190, min_spanish=0.55),
    Stream("day_articles17.jsonl", "art17-d", min_records=190, min_spanish=0.40),
    Stream("day_articles18.jsonl", "art18-d", min_records=190, min_spanish=0.40),
]


@pytest.fixture(scope="module", params=STREAMS, ids=str)
def stream(request) -> Stream:
    return request.param


@pytest.fixture(scope="module")
def records(stream) -> list[dict]:
    return data.load_records(stream.file)


def test_stream_has_enough_records_with_the_article_keys_in_order(stream, records):
    assert len(records) >= stream.min_records
    data.assert_keys_in_order(records)


def test_ids_and_normalised_urls_are_unique(stream, records):
    data.assert_ids_and_pages_unique(records)
    assert all(re.fullmatch(rf"{stream.id_prefix}-\d{{3}}", r["id"]) for r in records)


def test_no_page_is_shared_with_any_other_labelled_set(stream, records):
    data.assert_no_page_shared_with_another_set(stream.file, records)


def test_field_values_are_valid(records):
    data.assert_field_values_valid(records)
    for r in records:
        assert r["url"].startswith(("http://", "https://")), r["id"]


def test_text_is_600_to_1500_characters_of_tidied_excerpt(records):
    data.assert_text_600_to_1500_characters(records)
    for r in records:
        assert r["text"] == " ".join(r["text"].split()), r["id"]


def test_stream_is_mostly_off_the_beat(records):
    off = sum(r["label"] == "not_relevant" for r in records)
    assert off / len(records) >= 0.85


def test_spanish_share_meets_the_streams_floor(stream, records):
    assert sum(r["lang"] == "es" for r in records) / len(records) >= stream.min_spanish


def test_a_third_is_held_out_by_the_sha1_rule_on_the_normalised_url(records):
    data.assert_a_third_held_out_by_the_sha1_rule(records)
