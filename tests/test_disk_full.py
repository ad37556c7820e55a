"""A full disk, for real: the database on a 2 MiB tmpfs (needs root to mount; skipped otherwise).

Before the run: one message saying the disk is full, exit 2. In the middle of the crawl: the crawl stops at
the first article it cannot store, one line says the disk is full and how much is free where the database
lives, exit 2, no traceback and no item contents, nothing posted. With space back, the next run recovers the
interrupted run, re-reads the feeds in full and posts every matching article exactly once."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from borderwatch.store import RunRow, Store

from .test_e2e_cycle import EXPECTED_FIRST, posted_urls, slugs


@pytest.fixture
def tiny_disk(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True)
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {p.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _leave_free(disk, filler, nbytes: int) -> None:
    """Grow or shrink the filler file so that about `nbytes` stay free on the tiny disk."""
    size = filler.stat().st_size if filler.exists() else 0
    target = max(0, size + shutil.disk_usage(disk).free - nbytes)
    with open(filler, "ab") as f:
        f.truncate(target)
        if target > size:  # tmpfs allocates on write, not on truncate
            f.seek(size)
            f.write(b"\0" * (target - size))
    assert shutil.disk_usage(disk).free <= nbytes + 64 * 1024


def test_a_full_disk_stops_the_crawl_in_one_line_and_the_next_run_loses_nothing(
    work, slack, server, tiny_disk
):
    work.db = f"sqlite:///{tiny_disk / 'bw.db'}"
    Store(work.db).dispose()  # the schema, while there is room
    work.slack_env(slack)
    filler = tiny_disk / "filler"

    _leave_free(tiny_disk, filler, 0)  # full before the run
    r = work.run("run")
    assert r.returncode == 2, r.output
    assert "the disk is full (" in r.stderr and f"free in {tiny_disk}, where the database lives" in r.stderr
    assert "must be reachable and writable" not in r.stderr and "Traceback" not in r.output
    assert not [q for q in server.requests() if "/feed/" in q.path]  # nothing crawled

    _leave_free(tiny_disk, filler, 100 * 1024)  # room for the run's start, not for every article (batched)
    r = work.run("run")
    assert r.returncode == 2, r.output
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("borderwatch:")]
    assert len(lines) == 1 and "the disk is full (" in lines[0], r.stderr
    assert f"free in {tiny_disk}, where the database lives" in lines[0]
    assert "Traceback" not in r.output and "Gunmen" not in r.output  # no item contents either
    assert slack.posts == []

    filler.unlink()  # space back
    server.clear_log()
    r = work.run("run")
    assert r.returncode == 0, r.output
    feeds = [q for q in server.requests() if "/feed/" in q.path]
    assert feeds and all(
        q.status == 200 for q in feeds
    )  # read in full: nothing the stopped crawl missed is lost
    urls = posted_urls(slack)
    assert slugs(urls) == EXPECTED_FIRST and len(urls) == len(set(urls))
    store = Store(work.db)
    with store.session() as s:
        assert [r.status for r in s.query(RunRow).order_by(RunRow.id)] == ["interrupted", "ok"]
    store.dispose()
