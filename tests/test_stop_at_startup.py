"""SIGTERM while `borderwatch run` is still starting (imports, config, opening the database): the run stops before its
first step with 143 and says so, as it does between steps, instead of dying of the signal (-15) with no word.

The signal is sent by the process itself at the start-up point (borderwatch/crashpoint.py signalpoint), because one
from outside cannot be timed into a window of a few milliseconds."""

from __future__ import annotations

import json

from borderwatch.store import RunRow, Store


def test_sigterm_during_start_up_stops_the_run_before_the_crawl_with_143(work, slack, server):
    work.slack_env(slack)
    r = work.run("run", "--json", env={"BORDERWATCH_SIGNAL_AT": "startup"})
    assert r.returncode == 143, r.output
    assert "stopped by SIGTERM before crawl" in r.output, r.output
    assert "Traceback" not in r.output
    summary = json.loads([line for line in r.output.splitlines() if line.startswith("{")][-1])
    assert summary["stopped"] == "crawl" and summary["requests"] == 0, summary
    assert server.requests() == [] and slack.posts == []
    store = Store(work.db)
    with store.session() as s:
        assert [row.status for row in s.query(RunRow)] == ["stopped"]
    store.dispose()

    r = work.run("run")  # the next run is an ordinary one
    assert r.returncode == 0, r.output
