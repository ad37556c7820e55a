"""Tagging precision and recall on labelled real passages (tests/data/tagging.jsonl, TAGGING.md).

Prints P/R for actors, places and both, on the tune part, the held-out part (never tuned on) and all; the
floors asserted are below what the shipped gazetteer reaches, so a regression fails and noise does not.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from borderwatch.alerts.tagging import shipped

DATA = Path(__file__).parent / "data" / "tagging.jsonl"


def load() -> list[dict]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]


def score(passages: list[dict]) -> dict:
    """Micro P/R over (passage, label); places compared as (name, country)."""
    tagger = shipped()
    n = {k: [0, 0, 0] for k in ("actors", "places")}  # true positives, predicted, gold
    errors = []
    for p in passages:
        tags = tagger.tag(p["title"], p["text"])
        got = {"actors": set(tags.actors), "places": {(x.name, x.country) for x in tags.places}}
        gold = {"actors": set(p["actors"]), "places": {(x["name"], x["country"]) for x in p["places"]}}
        for k in n:
            n[k][0] += len(got[k] & gold[k])
            n[k][1] += len(got[k])
            n[k][2] += len(gold[k])
            if got[k] != gold[k]:
                errors.append((p["id"], k, sorted(got[k] - gold[k]), sorted(gold[k] - got[k])))
    n["both"] = [sum(v[i] for v in n.values()) for i in range(3)]
    return {
        k: {
            "p": tp / pred if pred else 1.0,
            "r": tp / gold if gold else 1.0,
            "tp": tp,
            "pred": pred,
            "gold": gold,
        }
        for k, (tp, pred, gold) in n.items()
    } | {"errors": errors}


def report(name: str, s: dict) -> str:
    return f"{name:8} " + "  ".join(
        f"{k} P {s[k]['p']:.3f} R {s[k]['r']:.3f} ({s[k]['tp']}/{s[k]['pred']} of {s[k]['gold']})"
        for k in ("actors", "places", "both")
    )


def test_the_labelled_set_is_real_and_split():
    passages = load()
    assert len(passages) >= 60
    assert all(p["url"].startswith("http") and p["text"] for p in passages)
    held = [p for p in passages if p["split"] == "heldout"]
    assert len(held) >= len(passages) // 4
    tune_urls = {p["url"] for p in passages if p["split"] == "tune"}
    assert not tune_urls & {p["url"] for p in held}, "a page sits on both sides of the split"


@pytest.mark.parametrize("split,floor", [("tune", 0.85), ("heldout", 0.75)])
def test_tagging_precision_and_recall_on_real_passages(split, floor, capsys):
    passages = [p for p in load() if p["split"] == split]
    assert passages
    s = score(passages)
    with capsys.disabled():
        print("\n" + report(split, s))
    assert s["both"]["p"] >= floor and s["both"]["r"] >= floor - 0.05
