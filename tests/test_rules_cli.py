"""`borderwatch rules check|test|replay` and a broken keywords.yaml during `borderwatch run`, through the real CLI."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from borderwatch.demo.outlets import Story
from borderwatch.store import ArticleRow, MatchRow, Store

from .conftest import REPO

BROKEN = "rules:\n  - id: fpv\n    anny: [FPV]\n  - id: fpv\n    any: ['@nope']\n"

CJNG_STORY = Story(
    "cjng-drone-unit",
    "CJNG forms a drone unit in Jalisco",
    "Dana Whitfield",
    0.1,
    [
        "The Jalisco New Generation Cartel has formed a dedicated drone unit, according to prosecutors.",
        "The unit flies explosive-laden drones against rival groups in Michoacán.",
    ],
    guid=299,
)


def slack_text(posts) -> str:
    return json.dumps([p["blocks"] for p in posts], ensure_ascii=False) + "".join(p["text"] for p in posts)


# -- check ----------------------------------------------------------------------------------------------------
def test_rules_check_accepts_the_shipped_file(work):
    r = work.run("rules", "check", "--config-dir", str(work.config))
    assert r.returncode == 0, r.output
    assert "OK, 27 rules" in r.stdout and "cartel_drones: Cartel drone attacks [en, es]" in r.stdout
    # the drone-war and all-CJNG-news topics ship switched off, and check says how to switch them on
    assert (
        "drone_warfare_lessons: Drone warfare lessons (Ukraine, Middle East) (disabled: set enabled: true"
        in r.stdout
    )
    assert "cjng_news: CJNG news (with or without drones) (disabled: set enabled: true" in r.stdout


def test_rules_check_lists_every_problem_with_position_and_exits_2(work):
    bad = work.path / "bad.yaml"
    bad.write_text(BROKEN)
    r = work.run("rules", "check", "--rules", str(bad))
    assert r.returncode == 2
    assert "Traceback" not in r.output
    assert f"{bad}:3:5: rule 'fpv': unknown key 'anny': did you mean 'any'?" in r.stderr
    assert f"{bad}:4:" in r.stderr and "duplicate rule id 'fpv'" in r.stderr
    assert "3 problems in" in r.stderr  # no cascade: the misspelt key is the problem, not an "empty rule"


# -- test -----------------------------------------------------------------------------------------------------
def test_rules_test_json_contract_with_snippets_and_exit_codes(work):
    hit = work.path / "hit.txt"
    hit.write_text(
        "Sedena reported a new attack. Gunmen of the Cártel Jalisco Nueva Generación used drones "
        "loaded with explosives against police in Michoacán.",
        encoding="utf-8",
    )
    miss = work.path / "miss.txt"
    miss.write_text("Couples hire drone pilots for aerial wedding photos.")
    r = work.run("rules", "test", "--json", "--config-dir", str(work.config), str(hit), str(miss))
    assert r.returncode == 0, r.output
    first, second = (json.loads(line) for line in r.stdout.splitlines())
    assert first["input"] == str(hit)
    rules = [m["rule"] for m in first["matches"]]
    assert rules[0] == "cartel_drones" and "cjng" in rules
    cartel = first["matches"][0]
    assert set(cartel["terms"]) == {"cartel", "drone"}
    assert cartel["snippet"].startswith("Gunmen of the Cártel Jalisco Nueva Generación used drones")
    assert {h["term"] for h in cartel["hits"]} == {"cartel", "drone"}
    assert all("[" in h["snippet"] for h in cartel["hits"])
    # who, where and the detected language ride along as extra keys; the rest of the line is unchanged
    assert set(first) == {"input", "matches", "actors", "places", "language"}
    assert first["language"] == second["language"] == "en"
    assert first["actors"] == ["CJNG"]
    assert first["places"] == [{"name": "Michoacán", "admin1": "Michoacán", "country": "MX"}]
    assert second == {"input": str(miss), "matches": [], "actors": [], "places": [], "language": "en"}
    r = work.run("rules", "test", "--json", "--config-dir", str(work.config), str(miss))
    assert r.returncode == 1
    r = work.run("rules", "test", "--config-dir", str(work.config), str(work.path / "missing.txt"))
    assert r.returncode == 2 and "Traceback" not in r.output


def test_rules_test_explain_shows_hits_and_why_other_rules_did_not_fire(work):
    f = work.path / "story.txt"
    f.write_text(
        "FPV racing league opens in Guadalajara. FPV pilots race through gates; one crash ended the war of words."
    )
    r = work.run("rules", "test", "--explain", "--config-dir", str(work.config), str(f))
    assert r.returncode == 1, r.output
    assert "✘ fpv: none: vetoed by 'FPV racing'" in r.stdout
    assert "✘ ndaa: all: entry #1 missing: none of NDAA" in r.stdout


def test_rules_test_uses_a_candidate_file(work):
    cand = work.path / "cand.yaml"
    cand.write_text("rules:\n  - id: weddings\n    all: [wedding, drone]\n")
    f = work.path / "w.txt"
    f.write_text("Couples hire drone pilots for aerial wedding photos.")
    r = work.run("rules", "test", "--rules", str(cand), str(f))
    assert r.returncode == 0
    assert (
        "✔ weddings" in r.stdout
        and "wedding (text): “Couples hire drone pilots for aerial [wedding] photos.”" in r.stdout
    )


# -- broken rules during run ------------------------------------------------------------------------------------
def test_broken_rules_during_run_keep_the_last_good_rules_and_say_so_in_output_and_digest(
    work, slack, outlets
):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    before = len(slack.posts)
    outlets.add_story("rio", CJNG_STORY)
    (work.config / "keywords.yaml").write_text(BROKEN)
    r = work.run("run")
    assert r.returncode == 0, r.output
    assert "Traceback" not in r.output
    assert "WARNING: RULES FILE BROKEN" in r.stderr and "used the last good rules" in r.stderr
    assert "unknown key 'anny'" in r.stderr
    new_posts = slack.posts[before:]
    blob = slack_text(new_posts)
    assert "cjng-drone-unit" in blob, "the new article was not matched with the last good rules"
    assert "RULES FILE BROKEN" in blob and "last good rules" in blob
    assert "Cartel drone attacks" in blob  # grouped under the last good rules' names


def test_broken_rules_with_no_good_copy_match_nothing_loudly_and_lose_nothing(work, slack):
    work.slack_env(slack)
    good = (work.config / "keywords.yaml").read_text()
    (work.config / "keywords.yaml").write_text(BROKEN)
    r = work.run("run")
    assert "NOTHING WAS MATCHED" in r.stderr and "wait and will be matched" in r.stderr, r.output
    # no digest (nothing matched); the only post is the quiet-day warning, and it carries no item
    assert len(slack.posts) == 1 and "NOTHING WAS MATCHED" in slack_text(slack.posts)
    assert "cartel-fpv-drone-attack-michoacan" not in slack_text(slack.posts)
    (work.config / "keywords.yaml").write_text(good)
    r = work.run("run")
    assert r.returncode == 0, r.output
    blob = slack_text(slack.posts)
    for slug in (
        "cartel-fpv-drone-attack-michoacan",
        "border-counter-uas-deployment",
        "ndaa-counter-drone-provisions",
    ):
        assert slug in blob


# -- replay -----------------------------------------------------------------------------------------------------
def counts(work) -> tuple[int, int]:
    store = Store(work.db, create=False)
    with store.session() as s:
        out = (
            s.scalar(select(func.count()).select_from(MatchRow)),
            s.scalar(select(func.count()).select_from(ArticleRow)),
        )
    store.dispose()
    return out


def test_replay_shows_what_a_candidate_rule_file_adds_and_removes_without_writing_or_sending(work, slack):
    work.slack_env(slack)
    assert work.run("run").returncode == 0
    posts, stored = len(slack.posts), counts(work)

    r = work.run("rules", "replay", "--since", "30d", "--config-dir", str(work.config))
    assert r.returncode == 0, r.output
    assert "No change" in r.stdout

    cand = work.path / "candidate.yaml"
    cand.write_text("rules:\n  - id: quadcopters\n    name: Quadcopters\n    any: [quadcopter]\n")
    r = work.run("rules", "replay", "--since", "30d", "--rules", str(cand), "--config-dir", str(work.config))
    assert r.returncode == 1, r.output
    added = r.stdout.split("would be ADDED")[1].split("would be REMOVED")[0]
    removed = r.stdout.split("would be REMOVED")[1]
    assert "wedding-drone-photography" in added and "fpv-racing-league-season" in added
    assert "ndaa-counter-drone-provisions" in removed and "border-counter-uas-deployment" in removed

    r = work.run("rules", "replay", "--json", "--rules", str(cand), "--config-dir", str(work.config))
    data = json.loads(r.stdout)
    kinds = {c["url"].rstrip("/").rsplit("/", 1)[-1]: c["kind"] for c in data["changes"]}
    assert kinds["wedding-drone-photography"] == "added"
    assert kinds["ndaa-counter-drone-provisions"] == "removed"
    assert kinds["cartel-fpv-drone-attack-michoacan"] == "changed"
    assert data["rules"]["quadcopters"]["added"] >= 2
    assert data["skipped"] >= 1  # the 30-day-old story was never fetched

    assert counts(work) == stored, "replay wrote to the database"
    assert len(slack.posts) == posts, "replay sent something"


def test_replay_without_a_database_or_with_a_bad_window_is_a_clear_error(work):
    r = work.run("rules", "replay", "--config-dir", str(work.config))
    assert r.returncode == 2 and "no database found" in r.stderr and "Traceback" not in r.output
    assert not (work.path / "bw.db").exists()
    r = work.run("rules", "replay", "--since", "last week", "--config-dir", str(work.config))
    assert r.returncode == 2 and "--since" in r.stderr


def test_repo_rules_are_what_the_workdir_uses(work):
    assert (work.config / "keywords.yaml").read_text() == (REPO / "config" / "keywords.yaml").read_text()
