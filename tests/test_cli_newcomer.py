"""The first five minutes: demo, init, and --help on every command, all through the real CLI."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import pytest

from borderwatch.cli import build_parser


def cli(*args, cwd=None, env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BORDERWATCH_"))}
    e.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "borderwatch", *args],
        cwd=cwd,
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
    )


def all_commands() -> list[list[str]]:
    out: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    out.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return out


@pytest.mark.parametrize("command", all_commands(), ids=" ".join)
def test_every_command_has_help_with_an_example(command):
    r = cli(*command, "--help")
    assert r.returncode == 0, r.stderr
    assert "usage: borderwatch" in r.stdout
    assert "Example" in r.stdout, f"`borderwatch {' '.join(command)} --help` shows no example"


def test_demo_runs_the_whole_cycle_offline_in_a_temp_dir(tmp_path):
    r = cli("demo", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "borderwatch digest" in r.stdout
    assert "cartel-fpv-drone-attack-michoacan" in r.stdout
    assert "fpv-racing-league-season" not in r.stdout
    assert "borderwatch run --config-dir" in r.stderr  # ends by saying how to run for real
    assert list(tmp_path.iterdir()) == []  # touched nothing outside its temp dir


def test_demo_json_summary_is_machine_readable(tmp_path):
    r = cli("demo", "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["digest"]["items"] == 3
    assert summary["sources"]["Frontera Wire"]["fetched"] == 4
    assert summary["sources"]["Frontera Wire"]["old"] == 1


def test_init_writes_the_shipped_config_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "cfg"
    r = cli("init", str(target))
    assert r.returncode == 0, r.stderr
    assert {p.name for p in target.iterdir()} == {"sources.yaml", "keywords.yaml", ".env.example"}
    env_example = (target / ".env.example").read_text()
    for var in ("BORDERWATCH_DB", "SLACK_BOT_TOKEN", "SLACK_CHANNEL", "SLACK_API_URL", "SLACK_WEBHOOK_URL"):
        assert var in env_example
    assert cli("rules", "check", "--config-dir", str(target)).returncode == 0
    before = (target / "keywords.yaml").read_text()
    (target / "keywords.yaml").write_text(before + "\n# my edits\n")
    r = cli("init", str(target))
    assert r.returncode == 2
    assert "refusing to overwrite" in r.stderr
    assert (target / "keywords.yaml").read_text().endswith("# my edits\n")


def test_quiet_run_prints_only_the_digest(tmp_path):
    r = cli("demo", "--quiet", cwd=tmp_path)
    assert r.returncode == 0
    assert r.stderr.strip() == ""
    assert "borderwatch digest" in r.stdout


def test_run_without_a_config_says_how_to_get_one(tmp_path):
    r = cli("run", cwd=tmp_path, env={"BORDERWATCH_DB": f"sqlite:///{tmp_path / 'bw.db'}"})
    assert r.returncode == 2
    assert "config/sources.yaml:1:1: file not found" in r.stderr
    assert "borderwatch init config" in r.stderr
    assert "--config-dir" in r.stderr
    assert "Traceback" not in r.stderr


def test_init_names_the_path_it_could_not_write(tmp_path):
    target = tmp_path / "taken"
    target.write_text("a file, not a directory")
    r = cli("init", str(target))
    assert r.returncode == 2
    assert f"cannot write {target}" in r.stderr
    assert "Traceback" not in r.stderr
