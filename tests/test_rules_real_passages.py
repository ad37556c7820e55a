"""The shipped rules (config/keywords.yaml) on real reporting: precision, recall and false alarms per 100.

tests/data/beat.jsonl (the beat and its realistic near misses) and tests/data/day_stream.jsonl (an ordinary
day of the outlets' publishing) are short excerpts of real public pages, each with its URL, labelled against
tests/data/SCOPE.md before the rules were tuned. Each passage belongs to a third (tune_a, tune_b, heldout)
fixed by the hash of its URL; the rules were tuned on tune_a + tune_b only, then the held-out third was scored
once. Its misses were then used to fill vocabulary gaps, so a fresh sample, tests/data/beat_fresh.jsonl, was
collected and committed before the rules were run on it.

Both have since been looked at, so they are tuning data now (tests/data/SCOPE.md, "Which sets may be tuned on").
The held-out data are clean samples, each collected from pages no earlier set uses and landed before any
rule ran on it. First looks, the only figures for unseen text:
- tests/data/beat_clean.jsonl + day_clean.jsonl (split `clean`), rules of 97dca27 (before the second session's
  tuning): beat precision 0.882, recall 0.750; 0.0 false alarms per 100 ordinary articles (0 of 59);
- tests/data/beat_clean2.jsonl + day_clean2.jsonl (split `clean2`), the tuned rules of f23ca84: beat precision
  0.973, recall 0.750 (Spanish 0.944, English 0.633); 0.0 false alarms per 100 (0 of 33);
- tests/data/beat_clean3.jsonl (split `clean3`, 54 passages, beat only), the rules of a824e40: precision 1.000,
  recall 0.692 (Spanish 0.778, English 0.647);
- tests/data/beat_clean4.jsonl + day_clean4.jsonl (split `clean4`, 94 + 41 passages), the rules of 6e44b2d
  (config/keywords.yaml as of 8eeca8a): beat precision 0.976, recall 0.800 (Spanish 0.812, English 0.794; 40 of
  50; one false alarm among 44 near misses, CBP drones on the US-Canada border); 0.0 false alarms per 100
  ordinary articles (0 of 39);
- tests/data/beat_clean5.jsonl + day_clean5.jsonl (split `clean5`, 63 + 42 passages), the rules of 40a3303 (after
  the fourth round, tuned on clean4's misses): beat precision 1.000, recall 0.719 (23 of 32; Spanish 0.789, English
  0.615; 0 false alarms among 31 near misses); 0.0 false alarms per 100 ordinary articles (0 of 40);
- tests/data/beat_clean6.jsonl + day_clean6.jsonl (split `clean6`, 71 + 43 passages), the rules of 0064851 (the
  fifth round, which pooled the misses of all five first looks and fixed them by class): beat precision 0.917
  (three false alarms among 36 near misses: Ukrainian air defence "neutralizing" 67 drones, an Israeli radar and
  Patriot intercepting a drone, IDF drones "neutralizing" threats), recall 0.943 (33 of 35; Spanish 0.950,
  English 0.933); 0.0 false alarms per 100 ordinary articles (0 of 41), both relevant day passages caught. The
  rules before the fifth round score the same recall on this sample (0.943) and precision 0.943 (the radar
  passage fires only with the fifth round's wider counter_uas window), so this sample does not show that the
  fifth round generalises better; see docs/rules.md. Tuned on in the sixth round (helper signal-clean7).
- tests/data/beat_clean7.jsonl + day_clean7.jsonl (split `clean7`, 60 + 41 passages; body sentences, not leads), the
  rules of 30c579c (the sixth round): beat precision 0.920, recall 0.719 (23 of 32; Spanish 0.733, English 0.706; two
  false alarms among 28 near misses, war passages naming no war); 2.4 false alarms per 100 ordinary articles (1 of 41,
  above the 1-per-100 target on this stream alone; all day streams together 0.5 per 100). The rules before the sixth
  round score the same on it. Not tuned on.
The misses of each were seen afterwards and some vocabulary classes were filled from them (docs/rules.md; clean5's
in the fifth round, which pooled the misses of all five first looks and fixed them by class; clean6's in the sixth:
"counter" + any drone word, a war veto on the tally words neutralizar / radar, drone attacks in a Latin-American
place without the prison veto), so the figures
printed now are no longer unseen-text figures. Run with -s to see them.

What is asserted: the issue-14 targets (precision and recall >= 0.95 on the beat set, at most 1 false alarm
per 100 ordinary articles) where they are met, and, where they are not met, the measured floor, so that a
change that makes things worse fails. The held-out figures below the target are reported, not hidden:
see docs/rules.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import load_rules, parse_rules
from borderwatch.language import detect as detect_language
from tests.support.scoring import Counts, print_scores

HERE = Path(__file__).resolve().parent
RULES = HERE.parent / "config" / "keywords.yaml"
BEAT = HERE / "data" / "beat.jsonl"
DAY = HERE / "data" / "day_stream.jsonl"
FRESH = HERE / "data" / "beat_fresh.jsonl"
CLEAN_BEAT = HERE / "data" / "beat_clean.jsonl"
CLEAN_DAY = HERE / "data" / "day_clean.jsonl"
CLEAN2_BEAT = HERE / "data" / "beat_clean2.jsonl"
CLEAN2_DAY = HERE / "data" / "day_clean2.jsonl"
CLEAN3_BEAT = HERE / "data" / "beat_clean3.jsonl"
CLEAN4_BEAT = HERE / "data" / "beat_clean4.jsonl"
CLEAN4_DAY = HERE / "data" / "day_clean4.jsonl"
CLEAN5_BEAT = HERE / "data" / "beat_clean5.jsonl"
CLEAN5_DAY = HERE / "data" / "day_clean5.jsonl"
CLEAN6_BEAT = HERE / "data" / "beat_clean6.jsonl"
CLEAN6_DAY = HERE / "data" / "day_clean6.jsonl"
CLEAN7_BEAT = HERE / "data" / "beat_clean7.jsonl"
CLEAN7_DAY = HERE / "data" / "day_clean7.jsonl"
SPLITS = ("tune_a", "tune_b", "heldout")
TARGET = 0.95  # issue 14: precision and recall on the beat set
MAX_FALSE_ALARMS_PER_100 = 1.0  # issue 14: on the ordinary-day stream's off-beat passages
# Measured floors where the target is not met (recall on the clean sample, which the rules were not tuned on;
# false alarms on the day stream's old held-out third: 1 of 54, a counter-drone maker's share price). Raise them
# when the rules get better; never lower them.
# (Lowered once, on purpose, when the sixth round's two new rules, counter_uas_phrase and drone_intercepts, were
# taken out because as topics of their own they leaked counter-UAS items into the default channel of an operator
# who routes counter_uas (tests/test_channels.py); raised back when they returned with `topic: counter_uas`.)
RECALL_FLOOR = {
    "clean": 1.0,
    "clean2": 0.97,
    "clean3": 0.92,
    "clean4": 0.98,
    "clean5": 0.90,
    "clean6": 1.0,
    "clean7": 0.81,  # first look 0.71; 0.81 after the seventh round, which tuned on its errors
}
# Precision below the target at a first look: the measured floor, reported in docs/rules.md, not tuned away. (clean6
# had 0.91 at its first look; the sixth round, which tuned on it, brought it to 1.000, so the target applies there.)
PRECISION_FLOOR: dict[str, float] = {
    "clean7": 0.96
}  # clean7 first look 0.92 (23 of 25); 26 of 27 after round 7
# A clean sample's own ordinary day above the 1-per-100 target at its first look (clean7: 1 of 41, a Ukraine
# ceasefire plan's truce on "missiles, bombs, and drones"): the measured ceiling. All day streams together must still
# meet the target (test_all_ordinary_day_streams_together_raise_at_most_one_false_alarm_per_100).
DAY_FALSE_ALARM_CEILING: dict[str, float] = {}  # clean7 had 2.5 at its first look; 0 after the seventh round
HELDOUT_FALSE_ALARMS_PER_100 = 2.0
WAR_TOPIC = "drone_warfare_lessons"


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def split_of(url: str) -> str:
    return SPLITS[int(hashlib.sha256(url.encode("utf-8")).hexdigest()[:8], 16) % 3]


@dataclass
class Score(Counts):
    def __str__(self) -> str:
        return (
            f"P {self.precision:.3f} R {self.recall:.3f} "
            f"(tp {self.tp} fp {self.fp} fn {self.fn} tn {self.tn}; "
            f"false alarms {self.false_alarms_per_100:.1f} per 100 off-beat)"
        )


def score(matcher: Matcher, items: list[dict]) -> tuple[dict[str, Score], list[str]]:
    """Scores for 'all', each split and each language, and one line per error."""
    scores: dict[str, Score] = {}
    errors = []
    for p in items:
        title = p.get("title") or ""  # passages have no title; articles do
        # the language detected as the match stage detects it (alerts/stage.py), so a rule's `lang:` applies
        fired = matcher.fired_ids(title, p["text"], language=detect_language(title, p["text"]))
        relevant = p["label"] == "relevant"
        for key in ("all", p["split"], p["lang"]):
            s = scores.setdefault(key, Score())
            if relevant and fired:
                s.tp += 1
            elif relevant:
                s.fn += 1
            elif fired:
                s.fp += 1
            else:
                s.tn += 1
        if relevant != bool(fired):
            kind = "missed" if relevant else f"false alarm {fired}"
            errors.append(f"{p['id']} [{p['split']}] {kind}: {p['text'][:110]}")
    return scores, errors


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_rules(RULES))


def report(title: str, beat: dict[str, Score], day: dict[str, Score] | None, errors: list[str]) -> None:
    """Print a sample's scores (all, en, es; beat, then day) and its errors, for the closing notes."""
    print_scores(
        f"{title} held-out sample (real passages; first look in the docstring), beat",
        beat,
        [],
        ("all", "en", "es"),
    )
    print_scores(f"{title}, ordinary day", day or {}, errors, ("all", "en", "es"))


def assert_sample(beat: list[dict], day: list[dict], earlier, min_beat: int, min_day: int) -> None:
    """A clean sample is big, balanced (relevant vs near misses within 10%), at least 30% Spanish, its day stream
    mostly off the beat, and shares no page with any earlier set."""
    labels = Counter(p["label"] for p in beat)
    assert len(beat) >= min_beat and len(day) >= min_day
    assert abs(labels["relevant"] - labels["not_relevant"]) <= len(beat) // 10
    assert sum(p["lang"] == "es" for p in beat) >= 0.3 * len(beat)
    assert sum(p["label"] == "not_relevant" for p in day) >= 0.8 * len(day)
    others = {p["url"] for path in earlier for p in load(path)}
    assert others and not others & {p["url"] for p in beat + day}


FIXED_SPLIT = {
    FRESH: "fresh",
    CLEAN_BEAT: "clean",
    CLEAN_DAY: "clean",
    CLEAN2_BEAT: "clean2",
    CLEAN2_DAY: "clean2",
    CLEAN3_BEAT: "clean3",
    CLEAN4_BEAT: "clean4",
    CLEAN4_DAY: "clean4",
    CLEAN5_BEAT: "clean5",
    CLEAN5_DAY: "clean5",
    CLEAN6_BEAT: "clean6",
    CLEAN6_DAY: "clean6",
    CLEAN7_BEAT: "clean7",
    CLEAN7_DAY: "clean7",
}


@pytest.mark.parametrize(
    "path",
    [
        BEAT,
        DAY,
        FRESH,
        CLEAN_BEAT,
        CLEAN_DAY,
        CLEAN2_BEAT,
        CLEAN2_DAY,
        CLEAN3_BEAT,
        CLEAN4_BEAT,
        CLEAN4_DAY,
        CLEAN5_BEAT,
        CLEAN5_DAY,
        CLEAN6_BEAT,
        CLEAN6_DAY,
        CLEAN7_BEAT,
        CLEAN7_DAY,
    ],
    ids=[
        "beat",
        "day_stream",
        "beat_fresh",
        "beat_clean",
        "day_clean",
        "beat_clean2",
        "day_clean2",
        "beat_clean3",
        "beat_clean4",
        "day_clean4",
        "beat_clean5",
        "day_clean5",
        "beat_clean6",
        "day_clean6",
        "beat_clean7",
        "day_clean7",
    ],
)
def test_real_passage_files_are_well_formed_with_url_label_and_fixed_split(path):
    items = load(path)
    assert items, path
    ids = [p["id"] for p in items]
    assert len(ids) == len(set(ids)), "passage ids must be unique"
    for p in items:
        assert p["url"].startswith(("http://", "https://")), p["id"]
        assert p["lang"] in ("en", "es"), p["id"]
        assert p["label"] in ("relevant", "not_relevant"), p["id"]
        assert 0 < len(p["text"]) <= 600, p["id"]
        assert bool(p["topics"]) == (p["label"] == "relevant"), p["id"]
        # the third is a function of the URL, so nobody can move a passage into or out of the held-out part
        assert p["split"] == FIXED_SPLIT.get(path, split_of(p["url"])), p["id"]


def test_beat_set_is_big_balanced_and_one_third_spanish():
    items = load(BEAT)
    labels = Counter(p["label"] for p in items)
    assert len(items) >= 150
    assert abs(labels["relevant"] - labels["not_relevant"]) <= len(items) // 10
    assert sum(p["lang"] == "es" for p in items) >= 0.3 * len(items)
    assert {p["split"] for p in items} == set(SPLITS)


def test_day_stream_is_big_and_mostly_off_the_beat():
    items = load(DAY)
    assert len(items) >= 150
    assert sum(p["label"] == "not_relevant" for p in items) >= 0.8 * len(items)


def test_shipped_rules_on_the_beat_set_precision_095_everywhere_recall_095_where_tuned(matcher):
    scores, errors = score(matcher, load(BEAT) + load(FRESH))
    beat = score(matcher, load(BEAT))[0]["all"]
    print("\nbeat set (real passages):")
    print(f"  {'beat':8} {beat}   <- beat.jsonl, all three thirds")
    for key in (*SPLITS, "fresh", "en", "es"):
        print(f"  {key:8} {scores[key]}")
    for e in errors:
        print("  " + e)
    for key in (*SPLITS, "fresh"):
        assert scores[key].precision >= TARGET, (key, str(scores[key]), errors)
        floor = RECALL_FLOOR.get(key, TARGET)
        assert scores[key].recall >= floor, (key, str(scores[key]), errors)
    assert beat.precision >= TARGET and beat.recall >= 0.94, str(beat)
    tuned = Score()
    for key in ("tune_a", "tune_b"):
        for f in ("tp", "fp", "fn", "tn"):
            setattr(tuned, f, getattr(tuned, f) + getattr(scores[key], f))
    assert tuned.recall >= TARGET, str(tuned)


def test_shipped_rules_raise_at_most_one_false_alarm_per_100_ordinary_articles(matcher):
    scores, errors = score(matcher, load(DAY))
    print("\nordinary-day stream (real passages):")
    for key in ("all", *SPLITS, "en", "es"):
        print(f"  {key:8} {scores[key]}")
    for e in errors:
        print("  " + e)
    assert scores["all"].tn > 0, "no off-beat passage was scored"
    assert scores["all"].false_alarms_per_100 <= MAX_FALSE_ALARMS_PER_100, (str(scores["all"]), errors)
    for key in ("tune_a", "tune_b"):
        assert scores[key].false_alarms_per_100 <= MAX_FALSE_ALARMS_PER_100, (key, str(scores[key]), errors)
    assert scores["heldout"].false_alarms_per_100 <= HELDOUT_FALSE_ALARMS_PER_100, (
        str(scores["heldout"]),
        errors,
    )


def test_drone_war_topic_ships_disabled_and_fires_on_war_reporting_once_switched_on():
    """The Ukraine / Middle East drone war is quiet by default; an operator flips one flag to follow it."""
    yaml = YAML(typ="rt")
    data = yaml.load(RULES.read_text(encoding="utf-8"))
    node = next(r for r in data["rules"] if r["id"] == WAR_TOPIC)
    assert node["enabled"] is False
    assert load_rules(RULES).by_id(WAR_TOPIC) is None
    node["enabled"] = True
    switched_on = Matcher(parse_rules(data, RULES))
    war = [
        p
        for p in load(BEAT) + load(DAY)
        if p["split"] != "heldout"
        and p["label"] == "not_relevant"
        and any(w in p["text"] for w in ("FPV", "Shahed", "kamikaze", "loitering munition"))
    ]
    assert len(war) >= 8, "the sets should hold drone-war passages"
    fired = [p["id"] for p in war if WAR_TOPIC in switched_on.fired_ids("", p["text"])]
    assert len(fired) >= 0.9 * len(war), (len(fired), len(war))


@pytest.mark.parametrize(
    "beat_path, day_path, earlier, min_day",
    [
        (CLEAN_BEAT, CLEAN_DAY, (BEAT, DAY, FRESH), 50),
        (CLEAN2_BEAT, CLEAN2_DAY, (BEAT, DAY, FRESH, CLEAN_BEAT, CLEAN_DAY), 30),
    ],
    ids=["clean", "clean2"],
)
def test_clean_samples_are_big_balanced_one_third_spanish_and_share_no_page_with_earlier_sets(
    beat_path, day_path, earlier, min_day
):
    assert_sample(load(beat_path), load(day_path), earlier, min_beat=80, min_day=min_day)


@pytest.mark.parametrize(
    "split, beat_path, day_path", [("clean", CLEAN_BEAT, CLEAN_DAY), ("clean2", CLEAN2_BEAT, CLEAN2_DAY)]
)
def test_shipped_rules_on_the_clean_held_out_samples(matcher, split, beat_path, day_path):
    """The clean samples: never tuned on (their first looks are in the module docstring)."""
    beat, beat_errors = score(matcher, load(beat_path))
    day, day_errors = score(matcher, load(day_path))
    report(split, beat, day, beat_errors + day_errors)
    assert beat["all"].tp + beat["all"].fn >= 40 and day["all"].tn >= 30
    assert beat["all"].precision >= TARGET, (str(beat["all"]), beat_errors)
    assert beat["all"].recall >= RECALL_FLOOR[split], (str(beat["all"]), beat_errors)
    assert day["all"].false_alarms_per_100 <= MAX_FALSE_ALARMS_PER_100, (str(day["all"]), day_errors)


def test_cjng_news_without_drones_is_an_operator_switch_off_by_default():
    """SCOPE.md: cartel news without drones is off the beat, CJNG included; cjng_news follows all of it."""
    arrest = "Autoridades federales detuvieron en Zapopan a un operador del Cártel Jalisco Nueva Generación (CJNG)."
    attack = "El CJNG atacó con drones cargados con explosivos a pobladores de Chinicuila."
    shipped = Matcher(load_rules(RULES))
    assert shipped.fired_ids("", arrest) == []
    assert "cjng" in shipped.fired_ids("", attack)
    yaml = YAML(typ="rt")
    data = yaml.load(RULES.read_text(encoding="utf-8"))
    node = next(r for r in data["rules"] if r["id"] == "cjng_news")
    assert node["enabled"] is False
    node["enabled"] = True
    assert Matcher(parse_rules(data, RULES)).fired_ids("", arrest) == ["cjng_news"]


def test_shipped_rules_on_the_third_clean_sample(matcher):
    """beat_clean3: collected after the second tuning round (first look in the module docstring)."""
    items = load(CLEAN3_BEAT)
    scores, errors = score(matcher, items)
    report("clean3", scores, None, errors)
    earlier = (BEAT, DAY, FRESH, CLEAN_BEAT, CLEAN_DAY, CLEAN2_BEAT, CLEAN2_DAY)
    assert_sample(items, [], earlier, min_beat=50, min_day=0)
    assert scores["all"].precision >= TARGET, (str(scores["all"]), errors)
    assert scores["all"].recall >= RECALL_FLOOR["clean3"], (str(scores["all"]), errors)


EARLIER_THAN_CLEAN4 = (BEAT, DAY, FRESH, CLEAN_BEAT, CLEAN_DAY, CLEAN2_BEAT, CLEAN2_DAY, CLEAN3_BEAT)


@pytest.mark.parametrize(
    "split, beat_path, day_path, earlier",
    [
        ("clean4", CLEAN4_BEAT, CLEAN4_DAY, EARLIER_THAN_CLEAN4),
        ("clean5", CLEAN5_BEAT, CLEAN5_DAY, (*EARLIER_THAN_CLEAN4, CLEAN4_BEAT, CLEAN4_DAY)),
        (
            "clean6",
            CLEAN6_BEAT,
            CLEAN6_DAY,
            (*EARLIER_THAN_CLEAN4, CLEAN4_BEAT, CLEAN4_DAY, CLEAN5_BEAT, CLEAN5_DAY),
        ),
        (
            "clean7",
            CLEAN7_BEAT,
            CLEAN7_DAY,
            (*EARLIER_THAN_CLEAN4, CLEAN4_BEAT, CLEAN4_DAY, CLEAN5_BEAT, CLEAN5_DAY, CLEAN6_BEAT, CLEAN6_DAY),
        ),
    ],
    ids=["clean4", "clean5", "clean6", "clean7"],
)
def test_shipped_rules_on_the_fourth_to_seventh_clean_samples(matcher, split, beat_path, day_path, earlier):
    """beat/day_clean4 (after the third tuning round), beat/day_clean5 (after the fourth), beat/day_clean6 (after
    the fifth) and beat/day_clean7 (after the sixth), each landed before any rule ran on it; first looks in the module
    docstring."""
    beat_items, day_items = load(beat_path), load(day_path)
    beat, beat_errors = score(matcher, beat_items)
    day, day_errors = score(matcher, day_items)
    report(split, beat, day, beat_errors + day_errors)
    assert_sample(beat_items, day_items, earlier, min_beat=60, min_day=40)
    assert beat["all"].tp + beat["all"].fn >= 30 and day["all"].tn >= 30
    assert beat["all"].precision >= PRECISION_FLOOR.get(split, TARGET), (str(beat["all"]), beat_errors)
    assert beat["all"].recall >= RECALL_FLOOR[split], (str(beat["all"]), beat_errors)
    ceiling = DAY_FALSE_ALARM_CEILING.get(split, MAX_FALSE_ALARMS_PER_100)
    assert day["all"].false_alarms_per_100 <= ceiling, (str(day["all"]), day_errors)


# day_articles*.jsonl (tests/test_rules_real_articles.py) hold headline + lead articles rather than passages; an
# ordinary day all the same, so they are pooled here too.
ALL_DAY_STREAMS = (
    DAY,
    CLEAN_DAY,
    CLEAN2_DAY,
    CLEAN4_DAY,
    CLEAN5_DAY,
    CLEAN6_DAY,
    CLEAN7_DAY,
    HERE / "data" / "day_articles.jsonl",
    HERE / "data" / "day_articles2.jsonl",
    HERE / "data" / "day_articles3.jsonl",
    HERE / "data" / "day_articles4.jsonl",
    HERE / "data" / "day_articles5.jsonl",
    HERE / "data" / "day_articles6.jsonl",
    HERE / "data" / "day_articles7.jsonl",
    HERE / "data" / "day_articles8.jsonl",
    HERE / "data" / "day_articles9.jsonl",
    HERE / "data" / "day_articles10.jsonl",
    HERE / "data" / "day_articles11.jsonl",
    HERE / "data" / "day_articles12.jsonl",
    HERE / "data" / "day_articles13.jsonl",
)


def test_all_ordinary_day_streams_together_raise_at_most_one_false_alarm_per_100(matcher):
    """Every ordinary-day stream pooled (tuned on or not): the issue-14 false-alarm target over all of them."""
    scores, errors = score(matcher, [p for path in ALL_DAY_STREAMS for p in load(path)])
    pooled = scores["all"]
    print(f"\nall ordinary-day streams together ({len(ALL_DAY_STREAMS)} files): {pooled}")
    for e in errors:
        print("  " + e)
    assert pooled.tn >= 350, "the pooled day streams were not all scored"
    assert pooled.false_alarms_per_100 <= MAX_FALSE_ALARMS_PER_100, (str(pooled), errors)


WATCH = HERE / "data" / "beat_watch.jsonl"


def test_reports_of_mexicos_own_marines_are_not_filed_as_us_forces_against_cartels(matcher):
    """Near misses found on real text after the tenth round, by searching for its new rule's risk (tests/data/SCOPE.md,
    beat_watch.jsonl): English reporting calls Mexico's naval infantry "Mexican marines" or just "Marines". Before the
    fix 5 of these 7 fired us_military_cartels (filed under us_strikes)."""
    items = load(WATCH)
    assert len(items) >= 7 and all(p["label"] == "not_relevant" for p in items)
    scores, errors = score(matcher, items)
    assert scores["all"].tn == len(items), errors
