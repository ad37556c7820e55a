"""Well-formedness of the article-level beat samples (tests/data/beat_articles2.jsonl, beat_articles3.jsonl,
beat_articles4.jsonl, beat_articles5.jsonl, beat_articles6.jsonl, beat_articles7.jsonl, beat_articles8.jsonl,
beat_articles9.jsonl, beat_articles10.jsonl, beat_articles11.jsonl, beat_articles12.jsonl, beat_articles13.jsonl,
beat_articles14.jsonl, beat_articles15.jsonl, beat_articles16.jsonl, beat_articles17.jsonl, beat_articles18.jsonl,
beat_articles19.jsonl, beat_articles20.jsonl, beat_articles21.jsonl, beat_articles22.jsonl, beat_articles23.jsonl,
beat_articles24.jsonl, beat_articles25.jsonl, beat_articles26.jsonl and beat_articles27.jsonl, issue 14).

Checks the data only, not the rules: the sets must stay usable as unseen text, so nothing here runs a matcher. The
checks every article sample shares are in tests/support/article_data.py; a beat sample is also balanced.
"""

from __future__ import annotations

import pytest

from tests.support import article_data as data

SETS = [
    "beat_articles2.jsonl",
    "beat_articles3.jsonl",
    "beat_articles4.jsonl",
    "beat_articles5.jsonl",
    "beat_articles6.jsonl",
    "beat_articles7.jsonl",
    "beat_articles8.jsonl",
    "beat_articles9.jsonl",
    "beat_articles10.jsonl",
    "beat_articles11.jsonl",
    "beat_articles12.jsonl",
    "beat_articles13.jsonl",
    "beat_articles14.jsonl",
    "beat_articles15.jsonl",
    "beat_articles16.jsonl",
    "beat_articles17.jsonl",
    "beat_articles18.jsonl",
    "beat_articles19.jsonl",
    "beat_articles20.jsonl",
    "beat_articles21.jsonl",
    "beat_articles22.jsonl",
    "beat_articles23.jsonl",
    "beat_articles24.jsonl",
    "beat_articles25.jsonl",
    "beat_articles26.jsonl",
    "beat_articles27.jsonl",
]
ID_PREFIX = {
    "beat_articles2.jsonl": "art2-b-",
    "beat_articles3.jsonl": "art3-b-",
    "beat_articles4.jsonl": "art4-b-",
    "beat_articles5.jsonl": "art5-b-",
    "beat_articles6.jsonl": "art6-b-",
    "beat_articles7.jsonl": "art7-b-",
    "beat_articles8.jsonl": "art8-b-",
    "beat_articles9.jsonl": "art9-b-",
    "beat_articles10.jsonl": "art10-b-",
    "beat_articles11.jsonl": "art11-b-",
    "beat_articles12.jsonl": "art12-b-",
    "beat_articles13.jsonl": "art13-b-",
    "beat_articles14.jsonl": "art14-b-",
    "beat_articles15.jsonl": "art15-b-",
    "beat_articles16.jsonl": "art16-b-",
    "beat_articles17.jsonl": "art17-b-",
    "beat_articles18.jsonl": "art18-b-",
    "beat_articles19.jsonl": "art19-b-",
    "beat_articles20.jsonl": "art20-b-",
    "beat_articles21.jsonl": "art21-b-",
    "beat_articles22.jsonl": "art22-b-",
    "beat_articles23.jsonl": "art23-b-",
    "beat_articles24.jsonl": "art24-b-",
    "beat_articles25.jsonl": "art25-b-",
    "beat_articles26.jsonl": "art26-b-",
    "beat_articles27.jsonl": "art27-b-",
}
MIN_RECORDS = 150


@pytest.fixture(scope="module", params=SETS)
def sample(request) -> tuple[str, list[dict]]:
    return request.param, data.load_records(request.param)


def test_set_loads_with_enough_records_in_key_order(sample):
    _, records = sample
    assert len(records) >= MIN_RECORDS
    data.assert_keys_in_order(records)


# Ids dropped at a merge (a page another set already held) leave their number unused, so the method file's ids
# still name the same records; every other sample is numbered without a gap.
DROPPED_AT_MERGE = {"beat_articles8.jsonl": {128, 182}}


def test_ids_follow_the_set_prefix_in_order(sample):
    name, records = sample
    gone = DROPPED_AT_MERGE.get(name, set())
    numbers = [n for n in range(1, len(records) + len(gone) + 1) if n not in gone]
    assert [r["id"] for r in records] == [f"{ID_PREFIX[name]}{n:03d}" for n in numbers]


def test_ids_and_normalised_urls_are_unique(sample):
    data.assert_ids_and_pages_unique(sample[1])


def test_no_url_is_shared_with_any_other_data_file(sample):
    data.assert_no_page_shared_with_another_set(*sample)


def test_field_values_are_valid(sample):
    data.assert_field_values_valid(sample[1])


def test_text_is_600_to_1500_characters(sample):
    data.assert_text_600_to_1500_characters(sample[1])


def test_label_and_language_shares(sample):
    _, records = sample
    n = len(records)
    relevant = sum(r["label"] == "relevant" for r in records) / n
    spanish = sum(r["lang"] == "es" for r in records) / n
    assert 0.40 <= relevant <= 0.60, relevant
    assert spanish >= 0.30, spanish


def test_a_third_is_held_out_by_the_sha1_rule(sample):
    data.assert_a_third_held_out_by_the_sha1_rule(sample[1])
