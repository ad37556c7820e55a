"""The shipped rules on real *articles* as the digest sees them: the headline and the lead, not one sentence.

Every other real set (tests/test_rules_real_passages.py) holds single sentences. The product matches an article's
title and main text together, so a body sentence whose group, place or drone word stands elsewhere in the article
is a harder test than the product faces, and a sentence-level figure says little about what reaches the
consultant. These two files hold real articles from the search tool's `pages` corpus (headline + the first
paragraphs as stored, 300-700 characters, with the URL), from pages no passage set uses, labelled at the article
level against tests/data/SCOPE.md ("would a counter-UAS or border-security consultant want it in the digest?")
and landed before any rule ran on them (helper `articles`; method in docs/rules.md):

- tests/data/beat_articles.jsonl: the beat and its realistic near misses;
- tests/data/day_articles.jsonl: an ordinary day of drone, defence and Mexican security publishing.

A third of each (`split: heldout`, fixed by the URL's hash before labelling) is never tuned on. FIRST_LOOK holds
the figures of the first run, before any tuning on these files.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import load_rules
from tests.support.scoring import page_key, print_scores
from tests.test_rules_real_passages import DAY as DAY_STREAM
from tests.test_rules_real_passages import MAX_FALSE_ALARMS_PER_100, TARGET, load, score

HERE = Path(__file__).resolve().parent
RULES = HERE.parent / "config" / "keywords.yaml"
BEAT = HERE / "data" / "beat_articles.jsonl"
DAY = HERE / "data" / "day_articles.jsonl"
# The second sample: longer texts (headline + 600-1,500 characters), gathered and labelled the same way in
# issue 14's seventh session (helpers `beat2` and `day2`; method in tests/data/articles2_method.md and
# tests/data/day_articles2_method.md; its data checks in tests/test_beat_articles_data.py and
# tests/test_day_articles_data.py).
BEAT2 = HERE / "data" / "beat_articles2.jsonl"
DAY2 = HERE / "data" / "day_articles2.jsonl"
# The third sample, the same way, with more of SCOPE.md's point 6 (US forces against cartels) and of defence
# companies' business news (issue 14's eighth session, helpers `beat3` and `day3`; tests/data/articles3_method.md
# and tests/data/day_articles3_method.md).
BEAT3 = HERE / "data" / "beat_articles3.jsonl"
DAY3 = HERE / "data" / "day_articles3.jsonl"
# The fourth, a natural mix over SCOPE.md's six points (helpers `beat4` and `day4`; tests/data/articles4_method.md,
# tests/data/day_articles4_method.md). Its ordinary day holds no relevant article.
BEAT4 = HERE / "data" / "beat_articles4.jsonl"
DAY4 = HERE / "data" / "day_articles4.jsonl"
# The fifth, landed after the eleventh round and scored once before any tuning on it (helpers `beat5` and `day5`;
# tests/data/articles5_method.md, tests/data/day_articles5_method.md; labelled after SCOPE.md's two 2026-12-02 calls on
# Border Patrol's own drones and counter-drone companies' business news).
BEAT5 = HERE / "data" / "beat_articles5.jsonl"
DAY5 = HERE / "data" / "day_articles5.jsonl"
# The sixth ordinary day (helper `day6`; tests/data/day_articles6_method.md), leaning toward the kinds of ordinary story
# that sit nearest the beat's words: drone incidents at airports and stadiums, drone insurance, wars elsewhere.
DAY6 = HERE / "data" / "day_articles6.jsonl"
# The sixth beat sample (helper `beat6`; tests/data/articles6_method.md), a natural mix like the fourth and fifth,
# landed after the thirteenth round and scored once before any tuning on it.
BEAT6 = HERE / "data" / "beat_articles6.jsonl"
# The seventh ordinary day (helper `day7`; tests/data/day_articles7_method.md), aimed like the sixth at the ordinary stories
# nearest the beat's words, landed after the fourteenth round.
DAY7 = HERE / "data" / "day_articles7.jsonl"
# The eighth and ninth ordinary days (helpers `day8` and `day9`; tests/data/day_articles8_method.md and
# day_articles9_method.md), landed after the fifteenth round: *natural* days, sampled in rank order from the story kinds
# outlets publish every day, not leaning toward the beat's words (docs/rules.md, "Natural and near-beat ordinary days",
# written before they were gathered). The eighth holds defence, the wars, drone products, aviation, US politics and world
# news; the ninth Latin American politics, economy, crime and sport, and US border-state and Mexican border-city news.
DAY8 = HERE / "data" / "day_articles8.jsonl"
DAY9 = HERE / "data" / "day_articles9.jsonl"
# The seventh beat sample (helper `beat7`; tests/data/articles7_method.md), a natural mix like the fourth to sixth, and the
# tenth ordinary day (helper `day10`; tests/data/day_articles10_method.md), a near-beat day like the sixth and seventh;
# both landed after the fifteenth round and were scored once on it before the sixteenth round tuned on their tune thirds.
BEAT7 = HERE / "data" / "beat_articles7.jsonl"
DAY10 = HERE / "data" / "day_articles10.jsonl"
# The eleventh and twelfth ordinary days (helpers `day11` and `day12`; tests/data/day_articles11_method.md and
# day_articles12_method.md), natural days like the eighth and ninth (the same two shares, new stories), and the
# thirteenth (helper `day13`; day_articles13_method.md), a near-beat day like the tenth: pools decided before they were
# gathered (docs/rules.md), landed after the sixteenth round and scored once on it before the seventeenth.
# The eighth beat sample (helper `beat8`; tests/data/articles8_method.md), a natural mix like the fourth to seventh,
# landed after the seventeenth round and scored once on it before the eighteenth.
BEAT8 = HERE / "data" / "beat_articles8.jsonl"
DAY11 = HERE / "data" / "day_articles11.jsonl"
DAY12 = HERE / "data" / "day_articles12.jsonl"
DAY13 = HERE / "data" / "day_articles13.jsonl"
# The ninth beat sample (helper `beat9`; tests/data/articles9_method.md), a natural mix like the fourth to eighth, and the
# fourteenth ordinary day (helper `day14`; tests/data/day_articles14_method.md), a natural day mixing both shares of the
# eleventh and twelfth: pools decided before they were gathered (docs/rules.md), landed after the eighteenth round and
# scored once on it before the nineteenth.
BEAT9 = HERE / "data" / "beat_articles9.jsonl"
DAY14 = HERE / "data" / "day_articles14.jsonl"
# The fifteenth ordinary day (helper `day15`; tests/data/day_articles15_method.md), a natural day like the fourteenth on new
# stories, landed after the nineteenth round and scored once on it (2 of 199 in its tune third, none of 60 held out: an
# airliner downed by air defences "countering" Ukrainian drones, an NDAA radar-jet page that "mitigates capability gaps");
# the second led to ndaa_mitigation.
DAY15 = HERE / "data" / "day_articles15.jsonl"
# The tenth beat sample (helper `beat10`; tests/data/articles10_method.md), a natural mix like the fourth to ninth, landed
# after ndaa_mitigation (0b7e7f0) and scored once on those rules before the twentieth round.
BEAT10 = HERE / "data" / "beat_articles10.jsonl"
# The sixteenth ordinary day (helper `day16`; tests/data/day_articles16_method.md), a natural day (two thirds of it the
# Latin American and border-region share), landed after the twentieth round and scored once on it: none of 193.
DAY16 = HERE / "data" / "day_articles16.jsonl"
# The eleventh beat sample (helper `beat11`; tests/data/articles11_method.md), a natural mix like the fourth to tenth,
# landed after the twentieth round and scored once on it before the twenty-first.
BEAT11 = HERE / "data" / "beat_articles11.jsonl"
# The twelfth and thirteenth beat samples (helpers `beat12`, `beat13`; tests/data/articles12_method.md,
# articles13_method.md), natural mixes gathered side by side with no page shared, and the seventeenth ordinary day
# (helper `day17`; tests/data/day_articles17_method.md), a natural day: landed after the twenty-first round (b18d3dd)
# and scored once on it.
BEAT12 = HERE / "data" / "beat_articles12.jsonl"
BEAT13 = HERE / "data" / "beat_articles13.jsonl"
DAY17 = HERE / "data" / "day_articles17.jsonl"
# The fifteenth beat sample (helpers `beat15`, `beat15b`; tests/data/articles15_method.md), a natural mix, and the
# eighteenth ordinary day (helpers `day18`, `day18b`; tests/data/day_articles18_method.md), a natural day: landed after the
# twenty-second round (0bd25f8) and scored once on it.
BEAT15 = HERE / "data" / "beat_articles15.jsonl"
DAY18 = HERE / "data" / "day_articles18.jsonl"
# The fourteenth beat sample (helpers `beat14`, `beat14b`; tests/data/articles14_method.md), a natural mix gathered beside
# the fifteenth: landed after the twenty-third round (25a8c80) and scored once on it.
BEAT14 = HERE / "data" / "beat_articles14.jsonl"
# The sixteenth beat sample (helper `beat16`; tests/data/articles16_method.md), a natural mix gathered beside the
# seventeenth (pools decided in docs/rules.md before gathering): landed after the twenty-fifth round (fc369c9) and scored
# once on it (0.983 / 0.879, held-out 1.000 / 0.844) before any tuning on it.
BEAT16 = HERE / "data" / "beat_articles16.jsonl"
# The seventeenth beat sample (helper `beat17`; tests/data/articles17_method.md), gathered beside the sixteenth: landed
# after it, on the same rules (fc369c9), and scored once on them (0.971 / 0.930, held-out 0.947 / 0.818).
BEAT17 = HERE / "data" / "beat_articles17.jsonl"
# The eighteenth beat sample (helper `beat18`; tests/data/articles18_method.md), a natural mix gathered beside the
# nineteenth (pools decided in docs/rules.md before gathering): landed after the twenty-seventh round (bfef9d8) and scored
# once on it (0.905 / 0.803, held-out 1.000 / 0.870) before any tuning on it.
BEAT18 = HERE / "data" / "beat_articles18.jsonl"
# The nineteenth beat sample (helper `beat19`; tests/data/articles19_method.md), gathered beside the eighteenth: landed
# on the same rules (bfef9d8) and scored once on them (0.909 / 0.909, held-out 1.000 / 0.812).
BEAT19 = HERE / "data" / "beat_articles19.jsonl"
# The twentieth beat sample (helper `beat20`; tests/data/articles20_method.md), a natural mix gathered beside the
# twenty-first (pools decided in docs/rules.md before gathering): landed after the twenty-eighth round (b62b62b) and
# scored once on it (0.966 / 0.826, held-out 1.000 / 0.680) before any tuning on it.
BEAT20 = HERE / "data" / "beat_articles20.jsonl"
# The twenty-first beat sample (helper `beat21`; tests/data/articles21_method.md), gathered beside the twentieth: landed
# on the same rules (b62b62b) and scored once on them (0.929 / 0.878, held-out 0.947 / 0.857).
BEAT21 = HERE / "data" / "beat_articles21.jsonl"
# The twenty-second and twenty-third beat samples (helpers `beat22`, `beat23`; tests/data/articles22_method.md,
# articles23_method.md), natural mixes gathered side by side (pools decided in docs/rules.md before gathering): landed
# after the twenty-ninth round (c4e3e87) and scored once on it (0.887 / 0.955, held-out 1.000 / 0.938; 0.910 / 0.910,
# held-out 0.941 / 0.941) before any tuning on them.
BEAT22 = HERE / "data" / "beat_articles22.jsonl"
BEAT23 = HERE / "data" / "beat_articles23.jsonl"
# The twenty-fourth and twenty-fifth beat samples (helpers `beat24`, `beat25`; tests/data/articles24_method.md,
# articles25_method.md), natural mixes gathered side by side (pools decided in docs/rules.md before gathering): landed
# after the thirtieth round (5e2a2dd) and scored once on it (1.000 / 0.892, held-out 1.000 / 0.905; 0.968 / 0.924,
# held-out 1.000 / 0.909) before any tuning on them.
BEAT24 = HERE / "data" / "beat_articles24.jsonl"
BEAT25 = HERE / "data" / "beat_articles25.jsonl"
# The twenty-sixth and twenty-seventh beat samples (helpers `beat26`, `beat27`; tests/data/articles26_method.md,
# articles27_method.md), natural mixes gathered side by side (pools decided in docs/rules.md before gathering): landed
# after the thirty-first round (12861ec; the rules at cc35ceb) and scored once on it (0.902 / 0.833, held-out 1.000 /
# 0.808; 0.927 / 0.750, held-out 1.000 / 0.857) before any tuning on them.
BEAT26 = HERE / "data" / "beat_articles26.jsonl"
BEAT27 = HERE / "data" / "beat_articles27.jsonl"
BEAT_ARTICLE_SAMPLES = (
    BEAT,
    BEAT2,
    BEAT3,
    BEAT4,
    BEAT5,
    BEAT6,
    BEAT7,
    BEAT8,
    BEAT9,
    BEAT10,
    BEAT11,
    BEAT12,
    BEAT13,
    BEAT14,
    BEAT15,
    BEAT16,
    BEAT17,
    BEAT18,
    BEAT19,
    BEAT20,
    BEAT21,
    BEAT22,
    BEAT23,
    BEAT24,
    BEAT25,
    BEAT26,
    BEAT27,
)
# Every article-level file (the beat samples and the day streams); the other tests/data files are passage sets.
ARTICLE_SETS = (
    *BEAT_ARTICLE_SAMPLES,
    DAY,
    DAY2,
    DAY3,
    DAY4,
    DAY5,
    DAY6,
    DAY7,
    DAY8,
    DAY9,
    DAY10,
    DAY11,
    DAY12,
    DAY13,
    DAY14,
    DAY15,
    DAY16,
    DAY17,
    DAY18,
)
# The streams the issue-14 day target is judged on (natural days) and those aimed at the stories nearest the beat's
# words (near-beat days: reported beside them, under their measured ceilings). Which pool a stream joins follows its
# method file, decided before it is scored.
NATURAL_DAYS = (
    DAY_STREAM,
    DAY,
    DAY2,
    DAY3,
    DAY4,
    DAY5,
    DAY8,
    DAY9,
    DAY11,
    DAY12,
    DAY14,
    DAY15,
    DAY16,
    DAY17,
    DAY18,
)
NEAR_BEAT_DAYS = (DAY6, DAY7, DAY10, DAY13)
PASSAGE_SETS = sorted(p for p in (HERE / "data").glob("*.jsonl") if p not in ARTICLE_SETS)


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_rules(RULES))


@pytest.mark.parametrize("path", [BEAT, DAY], ids=["beat_articles", "day_articles"])
def test_article_files_are_well_formed_with_title_url_label_and_a_third_held_out(path):
    items = load(path)
    assert len(items) >= 150
    for a in items:
        assert a["url"].startswith("http") and a["title"].strip() and len(a["text"]) >= 150, a["id"]
        assert a["label"] in ("relevant", "not_relevant") and a["lang"] in ("en", "es"), a["id"]
        assert a["split"] in ("tune", "heldout"), a["id"]
    assert len({a["id"] for a in items}) == len({page_key(a["url"]) for a in items}) == len(items)
    held = sum(a["split"] == "heldout" for a in items)
    assert abs(held - len(items) / 3) <= 1 + len(items) // 20


def test_article_sets_are_balanced_spanish_and_share_no_page_with_the_passage_sets():
    beat, day = load(BEAT), load(DAY)
    labels = Counter(a["label"] for a in beat)
    assert abs(labels["relevant"] - labels["not_relevant"]) <= len(beat) // 10
    assert sum(a["lang"] == "es" for a in beat) >= 0.3 * len(beat)
    assert sum(a["label"] == "not_relevant" for a in day) >= 0.8 * len(day)
    passages = {page_key(p["url"]) for path in PASSAGE_SETS for p in load(path)}
    assert len(passages) > 500
    assert not passages & {page_key(a["url"]) for a in beat + day}
    assert not {page_key(a["url"]) for a in beat} & {page_key(a["url"]) for a in day}


# The first run of the shipped rules on these files (rules of 11a8a1d, before any tuning on them), for the record:
# beat P 0.986 R 0.934 (tp 71 fp 1 fn 5 tn 75), held-out third P 1.000 R 0.885 (23 of 26); day 3.5 false alarms
# per 100 (5 of 142), held-out third 4.3 (2 of 47). The eighth round then tuned on the `tune` thirds only.
FIRST_LOOK = {"beat": (0.986, 0.934), "beat heldout": (1.000, 0.885), "day": 3.5, "day heldout": 4.3}
# Measured on the held-out thirds, which nobody tunes on: the floors a change must not fall below.
HELDOUT_RECALL_FLOOR = (
    0.92  # 24 of 26 (0.885 until the tenth round's us_military_cartels caught a Sheinbaum answer)
)
# 1 of 47 (the FCC's Covered List). It was 4.3 (2 of 47) until the ninth round: that round held the broad countering
# verbs (detener, combatir, stop ...) to 4 words of the drone, a class found on the second sample's tune third
# ("Las fuerzas de Rusia no se detienen ... un dron"), which also silences this third's municipal police drones
# bought "para combatir la inseguridad". That false alarm had been read at this third's first look, so the 2.1 is
# no longer a figure on text nobody had seen: the second sample's held-out third is.
HELDOUT_DAY_CEILING = 2.2  # 1 of 47 = 2.13


# The first run of the shipped rules on the second sample (rules of 2740202 = the eighth round, before any tuning on
# it), for the record: beat P 0.975 R 0.975 (tp 77 fp 2 fn 2 tn 80), held-out third P 0.960 R 0.923 (24 of 26,
# fp 1); day 0.6 false alarms per 100 (1 of 171), held-out third 0.0 (0 of 54).
FIRST_LOOK2 = {"beat": (0.975, 0.975), "beat heldout": (0.960, 0.923), "day": 0.6, "day heldout": 0.0}
HELDOUT2_PRECISION_FLOOR = 0.96  # 25 of 26: a Ukrainian air-defence tally of 79 drones (counter_uas)
# 25 of 26: a US strike on a drug boat (0.923 until the tenth round caught 4,000 Marines)
HELDOUT2_RECALL_FLOOR = 0.96

# The first run of the shipped rules on the third sample (rules of 157c300 = the ninth round, before any tuning on
# it), for the record: beat P 0.983 R 0.808 (tp 59 fp 1 fn 14 tn 83), held-out third P 1.000 R 0.864 (19 of 22);
# day 1.1 false alarms per 100 (2 of 182), held-out third 1.7 (1 of 60). Its misses were SCOPE point 6 with no boat
# and no drone (US Marines, warships and spy planes sent against cartels, Sheinbaum refusing US troops); the tenth
# round (us_military_cartels) was tuned on the `tune` thirds only.
FIRST_LOOK3 = {"beat": (0.983, 0.808), "beat heldout": (1.000, 0.864), "day": 1.1, "day heldout": 1.7}
# 1 of 60: Kratos's quarterly results naming its counter-drone business (counter_uas; left: SCOPE.md counts a
# counter-drone company's business news as counter-UAS, and tuning a veto on it on this third would void it).
HELDOUT3_DAY_CEILING = 1.7


# The first run of the shipped rules on the fourth sample (rules of e8eb3c9 = the tenth round, before any tuning on
# it), for the record: beat P 0.921 R 0.959 (tp 70 fp 6 fn 3 tn 84), held-out third P 0.950 R 0.950 (19 of 20, fp 1);
# day 1.1 false alarms per 100 (2 of 181), held-out third 0.0 (0 of 53). The eleventh round tuned on the `tune`
# thirds only, by class (English "armed drone", "into the U.S.", bare "zona fronteriza", "smuggler" and
# "contrabandista" left their groups); the beat `tune` third keeps three false alarms (docs/rules.md).
FIRST_LOOK4 = {"beat": (0.921, 0.959), "beat heldout": (0.950, 0.950), "day": 1.1, "day heldout": 0.0}
TUNE4_PRECISION_FLOOR = 0.94  # 51 of 54: two of the three are Border Patrol drones SCOPE.md calls relevant

# The first run of the shipped rules on the fifth sample (rules of 4026cc1 = the eleventh round and its review, before
# any tuning on it), for the record: beat P 0.952 R 0.919 (tp 79 fp 4 fn 7 tn 107), held-out third P 0.909 R 0.952
# (tp 20 fp 2 fn 1 tn 26); day 0.0 false alarms per 100 (0 of 204), held-out third 0.0 (0 of 64). The twelfth round
# tuned on the `tune` third only (docs/rules.md): "drone show" no longer vetoes a "cartel drone shows ..." sentence,
# the drop verbs (arrojar, soltar) left @drone_violence (a prison contraband drop in Brazil), and legal restrictions
# on shooting drones down count as authority.
FIRST_LOOK5 = {"beat": (0.952, 0.919), "beat heldout": (0.909, 0.952), "day": 0.0, "day heldout": 0.0}
# Its held-out third, never tuned on: two false alarms in 28 near misses (Copenhagen's airport closed by drones,
# counter_uas; Myanmar's resistance drone strikes, criminal_drones); 20 of 21 relevant caught.
HELDOUT5_PRECISION_FLOOR = 0.90  # 20 of 22
TUNE5_RECALL_FLOOR = 0.93  # 61 of 65 after the twelfth round (0.88 at the first look)

# The first run on the sixth ordinary day (rules of d87264e = the twelfth round, before any tuning on it): 3.3 false
# alarms per 100 (7 of 209), held-out third 4.3 (3 of 69), all but one of them counter_uas: airport and stadium
# drone sightings ("unauthorised drone", "un drone detiene un partido"), drone operators' insurance ("protection against"
# damage, "mitigating risk"). The thirteenth round (docs/rules.md) tuned on its `tune` third: 1.0 (2 of 209), held-out
# 1.4 (1 of 69). Two of the three held-out false alarms were airport sightings of the class found on the tune third and
# had been read at the first look, so the held-out figure after the round is not an unseen-text figure.
FIRST_LOOK_DAY6 = {"day": 3.3, "day heldout": 4.3}
DAY6_HELDOUT_CEILING = 1.5  # 1 of 69: a Generation Z march in Mexico City (cartel_drones)
DAY6_TUNE_CEILING = (
    0.8  # 1 of 140: an English football match stopped by a drone ("detiene", counter_drone_verbs)
)
# 48 of 51 since the thirteenth round: "unauthorized drone" left counter_uas (airport sightings use it as much as
# counter-drone reporting), and a stadium security planner's "what happens if an unauthorized drone appears" went with it.
TUNE3_RECALL_FLOOR = 0.94

# The first run on the sixth beat sample (rules of dc41079 = the thirteenth round, before any tuning on it): P 0.963
# R 0.951 (tp 78 fp 3 fn 4 tn 98), held-out third P 0.941 R 0.970 (tp 32 fp 2 fn 1 tn 37). Its held-out false alarms: the
# Marine Corps' attack-drone training (criminal_drones) and an investor's note on the counter-drone "kill chain"
# (counter_uas); its held-out miss: the Mexican Navy's search after a US strike on a boat in the Pacific.
FIRST_LOOK6 = {"beat": (0.963, 0.951), "beat heldout": (0.941, 0.970)}
HELDOUT6_PRECISION_FLOOR = 0.94  # 32 of 34
# The fourteenth round tuned on its `tune` third (Fortem's Drone Hunter, US forces' own attack-drone units, a bill
# that "would allow" owners to shoot drones down): tune 0.980 / 0.980 (48 of 49), held-out unchanged.

# The first run on the seventh ordinary day (rules of 9affbc2 = the fourteenth round, before any tuning on it): 3.3 false
# alarms per 100 (7 of 210), held-out third 6.1 (4 of 66): English prisons' drone drops by gangs, EU drone rules that
# "mitigate drone related security risks", the Eurodrone's "capacidad de ataque", hobby drones grounding firefighting
# aircraft, thermal-camera drones against wildfires, NTSB drone rules. The fifteenth round tuned on its `tune` third:
# 2.4 (5 of 210), the held-out third unchanged. This is the newest unseen-text day figure, and it misses the target.
FIRST_LOOK_DAY7 = {"day": 3.3, "day heldout": 6.1}
DAY7_CEILINGS = {
    "tune": 0.8,
    "heldout": 6.1,
    "all": 2.4,
}  # measured after the fifteenth round: 1 of 144, 4 of 66, 5 of 210

# The first run on the eighth and ninth ordinary days (rules of 4847bff = the fifteenth round, before any tuning on them),
# scored once: the eighth 0.5 false alarms per 100 (1 of 211: an FAA proposal to "unleash American drone dominance" beyond
# visual line of sight, criminal_drones, in its tune third), held-out third 0.0 (0 of 72); the ninth 0.0 (0 of 211),
# held-out third 0.0 (0 of 82). The first unseen-text figures on natural days since the fifth (0 of 204).
FIRST_LOOK_DAY8 = {"day": 0.5, "day heldout": 0.0}
FIRST_LOOK_DAY9 = {"day": 0.0, "day heldout": 0.0}

# The first run on the seventh beat sample (rules of 58b8e33 = the fifteenth round, before any tuning on it): P 0.922
# R 0.922 (tp 71 fp 6 fn 6 tn 85), held-out third P 1.000 R 0.941 (tp 32 fp 0 fn 2 tn 24). Its held-out misses: security
# grounding a drone over a Super Bowl team's practice, and an Ecuadorian strike on a FARC-dissident camp with US support.
# The sixteenth round tuned on its `tune` third (docs/rules.md): tune P 0.875 R 0.977 (42 of 43; fp 6), held-out unchanged.
FIRST_LOOK7 = {"beat": (0.922, 0.922), "beat heldout": (1.000, 0.941)}
TUNE7_PRECISION_FLOOR = 0.87  # 42 of 48: a Coast Guard cutter's own drone, Tijuana's police drones, Lebanon, Ukraine, a Colombian navy
HELDOUT7_RECALL_FLOOR = 0.94  # 32 of 34

# The first run on the tenth ordinary day, a near-beat day (rules of the fifteenth round): 1.0 false alarm per 100
# (2 of 207 off-beat: Malian soldiers killed in a jihadist attack with a French drone named, criminal_drones; Torrevieja's
# drones "para combatir insectos y roedores", counter_uas), both in its tune third; held-out third 0.0 (0 of 79). The
# first near-beat day to meet the target at its first look (the sixth and seventh: 3.3). The sixteenth round: 0 of 207.
FIRST_LOOK_DAY10 = {"day": 1.0, "day heldout": 0.0}

# The first run on the eleventh to thirteenth days (rules of the sixteenth round, a05c369): the eleventh, a natural day
# of defence, the wars, drone products, aviation and world news, 1.9 false alarms per 100 (4 of 209: Ethiopian army
# drone strikes on Tigray, drones filming La Palma's "bombas volcánicas", archaeology drones that "ayudan a frenar los
# expolios", all in its tune third; and, held out, a film shot by a drone carrying smoke grenades), held-out 1.4 (1 of
# 72); the twelfth, a natural day of Latin American and border-region news, 0.0 (0 of 202; held-out 0 of 77); the
# thirteenth, a near-beat day, 1.5 (3 of 195: Ethiopian drone strikes in Amhara, the film industry's drones next to
# "Narcos", in its tune third; held out, drones "almost colliding with planes" with a strike named), held-out 1.4
# (1 of 69), its one relevant article (Haiti's kamikaze drones against gangs) caught. The seventeenth round tuned on
# the tune thirds: the eleventh 1 of 209 (0.5) and the thirteenth 1 of 195 (0.5) after it, both the held-out ones.
FIRST_LOOK_DAY11 = {"day": 1.9, "day heldout": 1.4}
FIRST_LOOK_DAY12 = {"day": 0.0, "day heldout": 0.0}
FIRST_LOOK_DAY13 = {"day": 1.5, "day heldout": 1.4}

# The first run on the eighth beat sample (rules of the seventeenth round, 6f7cc16, before any tuning on it): P 0.893
# R 0.872 (tp 75 fp 9 fn 11 tn 89), held-out third P 0.903 R 0.903 (tp 28 fp 3 fn 3 tn 31). Its held-out misses: the
# Army buying Anduril's Roadrunner interceptors, Mayorkas warning that DHS's counter-drone authorities lapse, Noboa seeking
# US forces against Ecuador's gangs; its held-out false alarms: the advantages of military drones, two pages on Latin
# American prisons' lack of anti-drone technology. The eighteenth round tuned on its `tune` third (docs/rules.md):
# tune 0.943 / 0.909 (50 of 55; fp 3), held-out unchanged.
FIRST_LOOK8 = {"beat": (0.893, 0.872), "beat heldout": (0.903, 0.903)}
TUNE8_FLOORS = (0.94, 0.90)  # 50 of 53, 50 of 55
HELDOUT8_FLOORS = (0.90, 0.90)  # 28 of 31, 28 of 31
# The first run on the ninth beat sample (rules of the eighteenth round, 69cc939, before any tuning on it): P 0.929 R 0.952
# (tp 79 fp 6 fn 4 tn 88), held-out third P 0.960 R 0.960 (tp 24 fp 1 fn 1 tn 37): its held-out miss a Doctor Who joke about
# the DroneDefender jammer, its held-out false alarm the DGT's traffic drones "used by the military" beside a radar. The
# fourteenth day (natural) raised none in 199 (held-out 0 of 65). The nineteenth round tuned on the ninth's `tune` third:
# "El Paso" case-sensitive (Spanish "ceda el paso", "el paso de vehículos"), detonation words in @explosive, the countering
# verb before its drone (`order: a-first`), "secure the border" / "illegal crossings" as border wording; tune 0.948 /
# 0.948 (55 of 58; fp 3), held-out unchanged.
FIRST_LOOK9 = {"beat": (0.929, 0.952), "beat heldout": (0.960, 0.960)}
TUNE9_FLOORS = (0.945, 0.945)  # 55 of 58, 55 of 58
# The first run on the tenth beat sample (rules of 0b7e7f0, before any tuning on it): P 0.919 R 0.840 (tp 68 fp 6 fn 13
# tn 86), held-out third P 0.909 R 0.833 (tp 20 fp 2 fn 4 tn 26). Its held-out misses: the DEA on drones in border smuggling,
# a Marine Expeditionary Unit's L-MADIS line, cutting fibre-optic drones' cables, Mexico's surveillance drones against
# crime; its held-out false alarms: an explosion first taken for a drone attack, Chilean prison drone deliveries. The
# twentieth round tuned on its `tune` third: tune 0.981 / 0.912 (52 of 57; fp 1), held-out unchanged.
FIRST_LOOK10 = {"beat": (0.919, 0.840), "beat heldout": (0.909, 0.833)}
TUNE10_FLOORS = (0.98, 0.91)  # 52 of 53, 52 of 57
HELDOUT10_FLOORS = (0.90, 0.83)  # 20 of 22, 20 of 24
# The first run on the eleventh beat sample (rules of the twentieth round, ba0ddf0): P 0.921 R 0.933 (tp 70 fp 6 fn 5
# tn 71), held-out third P 0.964 R 0.964 (tp 27 fp 1 fn 1 tn 20): its held-out miss an NPR interview on the Pentagon's
# counter-drone "university", its held-out false alarm a Russian drone attack in Samara whose Spanish "del río" matched the
# border town Del Rio (round 19's "El Paso" class; left for a tune-third example, not fixed on held-out text). Not tuned on: its
# tune third's errors are labelling doubts (police and search collectives' drones, a Coast Guard ScanEagle, Marines at
# Yuma) or drones past the excerpt or 30+ words from their group.
FIRST_LOOK11 = {"beat": (0.921, 0.933), "beat heldout": (0.964, 0.964)}
TUNE11_FLOORS = (0.89, 0.91)  # 43 of 48, 43 of 47
# The first run on the twelfth and thirteenth beat samples (rules of the twenty-first round, b18d3dd, before any tuning on
# them): the twelfth P 0.941 R 0.928 (tp 64 fp 4 fn 5 tn 80), held-out third P 0.957 R 0.880 (tp 22 fp 1 fn 3 tn 26); the
# thirteenth P 0.909 R 0.882 (tp 60 fp 6 fn 8 tn 77), held-out third P 0.926 R 0.862 (tp 25 fp 2 fn 4 tn 21). The
# seventeenth day (natural) raised none in 195 (held-out 0 of 52). The twenty-second round tuned on their `tune` thirds:
# "el penal" forms as a prison (a Peruvian prison's drug drone), Darfur / El Fasher / the RSF as a war elsewhere, Spanish
# "bote" as a struck boat; held-out thirds unchanged.
FIRST_LOOK12 = {"beat": (0.941, 0.928), "beat heldout": (0.957, 0.880)}
FIRST_LOOK13 = {"beat": (0.909, 0.882), "beat heldout": (0.926, 0.862)}
FIRST_LOOK_DAY17 = {"day": 0.0, "day heldout": 0.0}
TUNE12_FLOORS = (0.975, 0.95)  # 42 of 43, 42 of 44 (after round 22; 0.933 / 0.955 at the first look)
HELDOUT12_FLOORS = (0.95, 0.88)  # 22 of 23, 22 of 25
TUNE13_FLOORS = (0.90, 0.92)  # 36 of 40, 36 of 39 (after round 22; 0.897 / 0.897 at the first look)
HELDOUT13_FLOORS = (0.92, 0.86)  # 25 of 27, 25 of 29
# The first run on the fifteenth beat sample (rules of the twenty-second round, 0bd25f8, before any tuning on it): P 0.971
# R 0.930 (tp 66 fp 2 fn 5 tn 86), held-out third P 0.960 R 0.923 (tp 24 fp 1 fn 2 tn 28). The eighteenth day (natural)
# raised none in 196 (held-out 0 of 64). The twenty-third round tuned on the fifteenth's `tune` third: "drone killer" as a
# counter-drone word (a police department's drone-disabling device), "offloaded" and its forms beside "offload".
# The first run on the fourteenth beat sample (rules of the twenty-third round, 25a8c80, before any tuning on it): P 0.953
# R 0.897 (tp 61 fp 3 fn 7 tn 82), held-out third P 0.944 R 0.850 (tp 17 fp 1 fn 3 tn 30).
# The twenty-fourth round tuned on its `tune` third: the Coast Guard's own ScanEagle drones veto cartel_drones and
# criminal_drones; "counteract" and "drone-hunting" count as countering words.
FIRST_LOOK14 = {"beat": (0.953, 0.897), "beat heldout": (0.944, 0.850)}
TUNE14_FLOORS = (TARGET, 0.935)  # 45 of 45, 45 of 48 (after round 24; 0.957 / 0.917 at the first look)
HELDOUT14_FLOORS = (0.94, 0.85)  # 17 of 18, 17 of 20
FIRST_LOOK15 = {"beat": (0.971, 0.930), "beat heldout": (0.960, 0.923)}
FIRST_LOOK_DAY18 = {"day": 0.0, "day heldout": 0.0}
TUNE15_FLOORS = (TARGET, 0.95)  # 43 of 43, 43 of 45 (after round 23; 0.977 / 0.933 at the first look)
HELDOUT15_FLOORS = (0.96, 0.96)  # 25 of 26, 25 of 26 (24 of 26 before round 29)
TUNE16_FLOORS = (0.965, 0.94)  # 32 of 33, 32 of 34 (after round 26; 0.969 / 0.912 at the first look)
HELDOUT16_FLOORS = (TARGET, 0.87)  # 28 of 28, 28 of 32 (27 of 32 at the first look)
TUNE17_FLOORS = (TARGET, TARGET)  # 48 of 49, 48 of 49 (the first look)
HELDOUT17_FLOORS = (0.94, 0.81)  # 18 of 19, 18 of 22
FIRST_LOOK18 = {"beat": (0.905, 0.803), "beat heldout": (1.000, 0.870)}
TUNE18_FLOORS = (0.88, 0.83)  # 40 of 45, 40 of 48 (after round 29; 0.860 / 0.771 at the first look)
HELDOUT18_FLOORS = (TARGET, 0.86)  # 20 of 20, 20 of 23
FIRST_LOOK19 = {"beat": (0.909, 0.909), "beat heldout": (1.000, 0.812)}
TUNE19_FLOORS = (0.92, TARGET)  # 50 of 54, 50 of 50 (after round 28; 0.887 / 0.940 at the first look)
HELDOUT19_FLOORS = (TARGET, 0.81)  # 13 of 13, 13 of 16
FIRST_LOOK20 = {"beat": (0.966, 0.826), "beat heldout": (1.000, 0.680)}
TUNE20_FLOORS = (0.97, 0.97)  # 43 of 44, 43 of 44 (after round 29; 0.952 / 0.909 at the first look)
HELDOUT20_FLOORS = (TARGET, 0.68)  # 17 of 17, 17 of 25
FIRST_LOOK21 = {"beat": (0.929, 0.878), "beat heldout": (0.947, 0.857)}
TUNE21_FLOORS = (0.94, 0.94)  # 50 of 53, 50 of 53 (after round 29; 0.922 / 0.887 at the first look)
HELDOUT21_FLOORS = (0.94, 0.85)  # 18 of 19, 18 of 21
FIRST_LOOK22 = {"beat": (0.887, 0.955), "beat heldout": (1.000, 0.938)}
TUNE22_FLOORS = (0.94, 0.96)  # 48 of 51, 48 of 50 (after round 30; 0.857 / 0.960 at the first look)
HELDOUT22_FLOORS = (TARGET, 0.93)  # 15 of 15, 15 of 16
FIRST_LOOK23 = {"beat": (0.910, 0.910), "beat heldout": (0.941, 0.941)}
TUNE23_FLOORS = (0.92, 0.92)  # 46 of 50, 46 of 50 (after round 30; 0.900 / 0.900 at the first look)
HELDOUT23_FLOORS = (0.94, 0.94)  # 16 of 17, 16 of 17
FIRST_LOOK24 = {"beat": (1.000, 0.892), "beat heldout": (1.000, 0.905)}
TUNE24_FLOORS = (TARGET, 0.94)  # 50 of 50, 50 of 53 (after round 31; 1.000 / 0.887 at the first look)
HELDOUT24_FLOORS = (TARGET, 0.90)  # 19 of 19, 19 of 21
FIRST_LOOK25 = {"beat": (0.968, 0.924), "beat heldout": (1.000, 0.909)}
TUNE25_FLOORS = (0.95, 0.95)  # 42 of 44, 42 of 44 (after round 31; 0.953 / 0.932 at the first look)
HELDOUT25_FLOORS = (TARGET, 0.90)  # 20 of 20, 20 of 22
FIRST_LOOK26 = {"beat": (0.902, 0.833), "beat heldout": (1.000, 0.808)}
TUNE26_FLOORS = (0.85, 0.87)  # 35 of 41, 35 of 40 (after round 32; 0.850 / 0.850 at the first look)
HELDOUT26_FLOORS = (TARGET, 0.84)  # 22 of 22, 22 of 26 (21 of 26 at the first look)
FIRST_LOOK27 = {"beat": (0.927, 0.750), "beat heldout": (1.000, 0.857)}
TUNE27_FLOORS = (0.92, 0.80)  # 38 of 41, 38 of 47 (after round 32; 0.892 / 0.702 at the first look)
HELDOUT27_FLOORS = (TARGET, 0.85)  # 18 of 18, 18 of 21
# The eight samples' held-out thirds pooled: 0.967 / 0.956 over the first seven (182 relevant), 0.957 / 0.948 with the
# eighth (213 relevant): recall under the target by one article; 0.958 / 0.950 with the ninth (226 of 238: 0.9496, still
# a hair under); 0.953 / 0.939 with the tenth (246 of 262; its first look was the weakest since the eighth's); 0.955 /
# 0.941 with the eleventh (273 of 290); 0.952 / 0.930 with the twelfth and thirteenth (320 of 344);
# 0.953 / 0.930 with the fifteenth (344 of 370: 0.9297); 0.953 / 0.926 with the fourteenth (361 of 390),
# 0.953 / 0.928 after us_military_cartels's window went from 20 to 30 words on a fourteenth tune-third page (362 of 390);
# 0.953 / 0.931 after the twenty-fifth round (363 of 390); 0.956 / 0.924 with the sixteenth (390 of 422);
# 0.956 / 0.919 with the seventeenth (408 of 444); 0.959 / 0.913 with the eighteenth and nineteenth (441 of 483);
# 0.963 / 0.915 after the twenty-eighth round (442 of 483); 0.964 / 0.902 with the twentieth and twenty-first (477 of 529);
# 0.964 / 0.905 after the twenty-ninth (479 of 529); 0.964 / 0.907 with the twenty-second and twenty-third (510 of 562);
# 0.967 / 0.907 with the twenty-fourth and twenty-fifth (549 of 605); 0.967 / 0.909 after the thirty-first round (550 of 605);
# 0.969 / 0.903 with the twenty-sixth and twenty-seventh (589 of 652); 0.969 / 0.906 after the thirty-second round
# (591 of 652).
POOLED_HELDOUT_BEAT_FLOORS = (TARGET, 0.90)

# 9 of 1,222 = 0.74 per 100 after round 28 ("impactó" out); 10 of 1,222 = 0.82 per 100 with the eighteenth; 10 of 1,158 = 0.86 per 100 with the sixteenth and seventeenth; 10 of 1,043 = 0.96 per 100 with the fourteenth and fifteenth (10 of 918 = 1.09 before them, 8 of 700 before the eleventh
# to thirteenth days joined, 8 of 467 before the eighth): the target, met
POOLED_HELDOUT_DAY_CEILING = MAX_FALSE_ALARMS_PER_100


def beat_sample(path, ordinal: str, floors: dict):
    """A row of BEAT_SAMPLES for an article-level beat sample, titled and named by its ordinal ("second", ...)."""
    return pytest.param(
        path, f"beat articles, {ordinal} sample (headline + 600-1,500 characters)", floors, id=ordinal
    )


def day_sample(path, ordinal: str, min_off_beat: dict, ceilings: dict, pool: str | None = None):
    """A row of DAY_SAMPLES for an article day stream; `pool` ("a natural day", "a near-beat day") joins the title."""
    kind = f", {pool}" if pool else ""
    title = f"ordinary-day articles, {ordinal} sample{kind} (headline + 600-1,500 characters)"
    return pytest.param(path, title, min_off_beat, ceilings, id=ordinal)


# Each sample's beat: the floors (precision, recall) per part; the target where it is met.
BEAT_SAMPLES = [
    pytest.param(
        BEAT,
        "beat articles (headline + lead)",
        {"tune": (TARGET, TARGET), "heldout": (TARGET, HELDOUT_RECALL_FLOOR)},
        id="first",
    ),
    beat_sample(
        BEAT2,
        "second",
        {
            "tune": (TARGET, TARGET),
            "heldout": (HELDOUT2_PRECISION_FLOOR, HELDOUT2_RECALL_FLOOR),
            "all": (TARGET, TARGET),
        },
    ),
    beat_sample(
        BEAT3,
        "third",
        {"tune": (TARGET, TUNE3_RECALL_FLOOR), "heldout": (TARGET, TARGET), "all": (TARGET, TARGET)},
    ),
    beat_sample(
        BEAT4,
        "fourth",
        {"tune": (TUNE4_PRECISION_FLOOR, TARGET), "heldout": (TARGET, TARGET)},
    ),
    beat_sample(
        BEAT5,
        "fifth",
        {"tune": (TARGET, TUNE5_RECALL_FLOOR), "heldout": (HELDOUT5_PRECISION_FLOOR, TARGET)},
    ),
    beat_sample(
        BEAT6,
        "sixth",
        {"tune": (TARGET, TARGET), "heldout": (HELDOUT6_PRECISION_FLOOR, TARGET), "all": (TARGET, TARGET)},
    ),
    beat_sample(
        BEAT7,
        "seventh",
        {"tune": (TUNE7_PRECISION_FLOOR, TARGET), "heldout": (TARGET, HELDOUT7_RECALL_FLOOR)},
    ),
    beat_sample(
        BEAT8,
        "eighth",
        {"tune": TUNE8_FLOORS, "heldout": HELDOUT8_FLOORS},
    ),
    beat_sample(
        BEAT9,
        "ninth",
        {"tune": TUNE9_FLOORS, "heldout": (TARGET, TARGET)},
    ),
    beat_sample(
        BEAT10,
        "tenth",
        {"tune": TUNE10_FLOORS, "heldout": HELDOUT10_FLOORS},
    ),
    beat_sample(
        BEAT11,
        "eleventh",
        {"tune": TUNE11_FLOORS, "heldout": (TARGET, TARGET)},
    ),
    beat_sample(
        BEAT12,
        "twelfth",
        {"tune": TUNE12_FLOORS, "heldout": HELDOUT12_FLOORS},
    ),
    beat_sample(
        BEAT13,
        "thirteenth",
        {"tune": TUNE13_FLOORS, "heldout": HELDOUT13_FLOORS},
    ),
    beat_sample(
        BEAT14,
        "fourteenth",
        {"tune": TUNE14_FLOORS, "heldout": HELDOUT14_FLOORS},
    ),
    beat_sample(
        BEAT15,
        "fifteenth",
        {"tune": TUNE15_FLOORS, "heldout": HELDOUT15_FLOORS},
    ),
    beat_sample(
        BEAT16,
        "sixteenth",
        {"tune": TUNE16_FLOORS, "heldout": HELDOUT16_FLOORS},
    ),
    beat_sample(
        BEAT17,
        "seventeenth",
        {"tune": TUNE17_FLOORS, "heldout": HELDOUT17_FLOORS},
    ),
    beat_sample(
        BEAT18,
        "eighteenth",
        {"tune": TUNE18_FLOORS, "heldout": HELDOUT18_FLOORS},
    ),
    beat_sample(
        BEAT19,
        "nineteenth",
        {"tune": TUNE19_FLOORS, "heldout": HELDOUT19_FLOORS},
    ),
    beat_sample(
        BEAT20,
        "twentieth",
        {"tune": TUNE20_FLOORS, "heldout": HELDOUT20_FLOORS},
    ),
    beat_sample(
        BEAT21,
        "twenty-first",
        {"tune": TUNE21_FLOORS, "heldout": HELDOUT21_FLOORS},
    ),
    beat_sample(
        BEAT22,
        "twenty-second",
        {"tune": TUNE22_FLOORS, "heldout": HELDOUT22_FLOORS},
    ),
    beat_sample(
        BEAT23,
        "twenty-third",
        {"tune": TUNE23_FLOORS, "heldout": HELDOUT23_FLOORS},
    ),
    beat_sample(
        BEAT24,
        "twenty-fourth",
        {"tune": TUNE24_FLOORS, "heldout": HELDOUT24_FLOORS},
    ),
    beat_sample(
        BEAT25,
        "twenty-fifth",
        {"tune": TUNE25_FLOORS, "heldout": HELDOUT25_FLOORS},
    ),
    beat_sample(
        BEAT26,
        "twenty-sixth",
        {"tune": TUNE26_FLOORS, "heldout": HELDOUT26_FLOORS},
    ),
    beat_sample(
        BEAT27,
        "twenty-seventh",
        {"tune": TUNE27_FLOORS, "heldout": HELDOUT27_FLOORS},
    ),
]
# Each sample's ordinary day: the fewest off-beat articles per third, and the ceiling of false alarms per 100 per part.
DAY_SAMPLES = [
    pytest.param(
        DAY,
        "ordinary-day articles (headline + lead)",
        {"tune": 90, "heldout": 40},
        {"tune": MAX_FALSE_ALARMS_PER_100, "heldout": HELDOUT_DAY_CEILING},
        id="first",
    ),
    day_sample(
        DAY2,
        "second",
        {"tune": 100, "heldout": 50},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
    ),
    day_sample(
        DAY3,
        "third",
        {"tune": 110, "heldout": 55},
        {"tune": MAX_FALSE_ALARMS_PER_100, "all": MAX_FALSE_ALARMS_PER_100, "heldout": HELDOUT3_DAY_CEILING},
    ),
    day_sample(
        DAY4,
        "fourth",
        {"tune": 120, "heldout": 50},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
    ),
    day_sample(
        DAY5,
        "fifth",
        {"tune": 130, "heldout": 60},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
    ),
    day_sample(
        DAY6,
        "sixth",
        {"tune": 130, "heldout": 60},
        {"tune": DAY6_TUNE_CEILING, "heldout": DAY6_HELDOUT_CEILING, "all": MAX_FALSE_ALARMS_PER_100},
    ),
    day_sample(
        DAY7,
        "seventh",
        {"tune": 140, "heldout": 60},
        DAY7_CEILINGS,
    ),
    day_sample(
        DAY8,
        "eighth",
        {"tune": 130, "heldout": 65},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY9,
        "ninth",
        {"tune": 120, "heldout": 75},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY10,
        "tenth",
        {"tune": 120, "heldout": 75},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a near-beat day",
    ),
    day_sample(
        DAY11,
        "eleventh",
        {"tune": 130, "heldout": 65},
        {"tune": MAX_FALSE_ALARMS_PER_100, "all": MAX_FALSE_ALARMS_PER_100, "heldout": 1.4},
        pool="a natural day",
    ),
    day_sample(
        DAY12,
        "twelfth",
        {"tune": 120, "heldout": 70},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY13,
        "thirteenth",
        {"tune": 120, "heldout": 65},
        {"tune": MAX_FALSE_ALARMS_PER_100, "all": MAX_FALSE_ALARMS_PER_100, "heldout": 1.5},
        pool="a near-beat day",
    ),
    day_sample(
        DAY14,
        "fourteenth",
        {"tune": 130, "heldout": 60},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY15,
        "fifteenth",
        {"tune": 130, "heldout": 55},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY16,
        "sixteenth",
        {"tune": 125, "heldout": 60},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY17,
        "seventeenth",
        {"tune": 140, "heldout": 50},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
    day_sample(
        DAY18,
        "eighteenth",
        {"tune": 125, "heldout": 60},
        {part: MAX_FALSE_ALARMS_PER_100 for part in ("tune", "heldout", "all")},
        pool="a natural day",
    ),
]


@pytest.mark.parametrize("path, title, floors", BEAT_SAMPLES)
def test_shipped_rules_on_real_beat_articles(matcher, path, title, floors):
    scores, errors = score(matcher, load(path))
    print_scores(title, scores, errors)
    # enough relevant articles in each part to mean something (the sixteenth's tune third holds 34: 42% of it fell held
    # out; the nineteenth's held-out third 16: 29% of it fell held out)
    assert scores["tune"].tp + scores["tune"].fn >= 34 and scores["heldout"].tp + scores["heldout"].fn >= 16
    for part, (precision, recall) in floors.items():
        assert scores[part].precision >= precision and scores[part].recall >= recall, (
            part,
            str(scores[part]),
        )


@pytest.mark.parametrize("path, title, min_off_beat, ceilings", DAY_SAMPLES)
def test_shipped_rules_on_an_ordinary_day_of_real_articles(matcher, path, title, min_off_beat, ceilings):
    scores, errors = score(matcher, load(path))
    print_scores(title, scores, errors)
    for part, least in min_off_beat.items():
        assert scores[part].tn >= least, str(scores[part])
    for part, ceiling in ceilings.items():
        assert scores[part].false_alarms_per_100 <= ceiling, (str(scores[part]), errors)


def test_the_samples_held_out_thirds_together_stay_at_their_measured_floors_on_the_beat(matcher):
    """The held-out thirds of the twenty-seven article samples pooled (652 relevant articles, none tuned on). Each third alone
    is too small for the issue-14 target (at 26 relevant articles one miss is 0.962); pooled, the first seven met it
    (0.967 / 0.956), the eighth took recall to 0.948, one article under, the ninth to 0.9496 (226 of 238) and the tenth
    to 0.939 (246 of 262), precision 0.953; the eleventh to 0.955 / 0.941 (273 of 290); the twelfth and thirteenth to
    0.952 / 0.930 (320 of 344); the fifteenth to 0.953 / 0.930 (344 of 370); the fourteenth to 0.953 / 0.926 (361 of 390); the sixteenth to 0.956 / 0.924 (390 of 422); the seventeenth to 0.956 / 0.919 (408 of 444); the eighteenth and nineteenth to 0.959 / 0.913 (441 of 483); the
    twentieth and twenty-first to 0.964 / 0.902 (477 of 529); the twenty-second and twenty-third, after the twenty-ninth
    round, to 0.964 / 0.907 (510 of 562); the twenty-fourth and twenty-fifth to 0.967 / 0.907 (549 of 605); the
    twenty-sixth and twenty-seventh to 0.969 / 0.903 (589 of 652). The floors are the measured figures."""
    scores, errors = score(matcher, heldout_of(BEAT_ARTICLE_SAMPLES))
    print_scores("beat articles, the held-out thirds together", scores, errors, keys=("all", "en", "es"))
    assert scores["all"].tp + scores["all"].fn >= 650, str(scores["all"])
    precision, recall = POOLED_HELDOUT_BEAT_FLOORS
    assert scores["all"].precision >= precision and scores["all"].recall >= recall, (
        str(scores["all"]),
        errors,
    )


def heldout_of(paths) -> list[dict]:
    """The held-out thirds of the given labelled files, pooled."""
    return [a for path in paths for a in load(path) if a["split"] == "heldout"]


def test_the_ordinary_days_held_out_thirds_together_stay_under_their_measured_ceiling(matcher):
    """The held-out thirds of every ordinary-day stream that has one (day_stream.jsonl and the article day streams'),
    pooled, natural and near-beat days alike: ordinary text nobody tuned on (the sixth's was read at its first look).
    One third alone is ~50-80 articles, so one false alarm is 1.2-2.1 per 100 there. This pool was at 1.0 until the
    seventh day (4 of its 66 held-out articles fired), 1.7 (8 of 467) after it, 1.1 (8 of 700) with the eighth to
    tenth, 1.1 (10 of 918) with the eleventh to thirteenth, 0.96 (10 of 1,043) with the fourteenth and fifteenth and 0.86
    (10 of 1,158) with the sixteenth and seventeenth and 0.82 (10 of 1,222) with the eighteenth: the target is met, and a change that adds a false alarm here
    fails."""
    scores, errors = score(matcher, heldout_of(NATURAL_DAYS + NEAR_BEAT_DAYS))
    print_scores("ordinary days, the held-out thirds together", scores, errors, keys=("all", "en", "es"))
    assert scores["all"].tn >= 1200, str(scores["all"])
    assert scores["all"].false_alarms_per_100 <= POOLED_HELDOUT_DAY_CEILING, (str(scores["all"]), errors)


def test_the_natural_days_held_out_thirds_together_meet_the_day_target(matcher):
    """The issue-14 day target (at most 1 false alarm per 100 ordinary articles) on the natural days' held-out thirds
    pooled: the streams sampled as outlets publish (NATURAL_DAYS), text nobody tuned on. 3 of 486 (0.62 per 100) when
    the eighth and ninth joined: day_stream's counter-drone maker's share price, the FCC's Covered List, Kratos's
    quarterly results; 4 of 635 (0.63) with the eleventh and twelfth (the eleventh's smoke-grenade film). The near-beat
    days stay in the pool above under their ceiling."""
    scores, errors = score(matcher, heldout_of(NATURAL_DAYS))
    print_scores(
        "natural ordinary days, the held-out thirds together", scores, errors, keys=("all", "en", "es")
    )
    assert scores["all"].tn >= 620, str(scores["all"])
    assert scores["all"].false_alarms_per_100 <= MAX_FALSE_ALARMS_PER_100, (str(scores["all"]), errors)
