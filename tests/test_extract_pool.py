"""The extraction pool recycles workers, survives dying workers and bounds a hung page, never losing a page."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.connection import wait as mp_wait
from pathlib import Path

import pytest

from borderwatch.crawler.workers import ExtractorPool
from tests.support import faulty_work


def a_real_page() -> str:
    pages = (Path(__file__).parent / "fixtures" / "outlets").rglob("*.html")
    return next(p for p in pages if p.stat().st_size > 20_000).read_text(encoding="utf-8", errors="replace")


def workers_not_exited() -> int:
    """Worker processes that have not exited yet.

    Not len(multiprocessing.active_children()): that also lists a worker that has exited and been reaped by the
    executor's own join() in another thread, until that thread gets the GIL back and records the exit code
    (active_children's waitpid() gets ECHILD meanwhile, which it takes for "not started yet"); on a loaded
    machine the next generation can start inside that window. A process's sentinel is ready once it has
    exited (its memory released), which is what the pool waits for before starting the next generation.
    """
    return sum(1 for p in multiprocessing.active_children() if not mp_wait([p.sentinel], timeout=0))


class MostWorkers:
    """Samples workers_not_exited() every 5 ms in a thread while the block runs; `most` and `samples` after."""

    def __enter__(self):
        self.most, self.samples, self._stop = 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._count)
        self._thread.start()
        return self

    def _count(self):
        while not self._stop.is_set():
            self.most = max(self.most, workers_not_exited())
            self.samples += 1
            time.sleep(0.005)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def test_a_small_day_is_extracted_in_process_and_a_day_known_to_be_big_goes_to_the_workers_at_once():
    html = a_real_page()
    small = ExtractorPool(1, inline_first=3)
    # three pages in all: each knows how many are still to come
    assert [small.submit(html, f"https://example.com/{i}/", backlog=2 - i) for i in range(3)] == [None] * 3
    assert small.generations_started == 0, "no worker started for a small day"
    big = ExtractorPool(1, inline_first=3)
    try:
        fut = big.submit(html, "https://example.com/0/", backlog=10)
        assert fut is not None and fut.result(timeout=100) is not None
        assert big.generations_started == 1
    finally:
        big.shutdown()


def test_a_day_discovery_shows_to_be_big_starts_its_workers_before_its_first_page():
    """The workers boot while discovery goes on (crawler/pipelines.py calls `expect` as feeds are read)."""
    small = ExtractorPool(2, inline_first=3)
    assert small.expect(2) is False and small.generations_started == 0, "a small day starts no worker"
    pool = ExtractorPool(2, inline_first=3)
    try:
        assert pool.expect(5) is True
        deadline = time.monotonic() + 60
        while workers_not_exited() < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert workers_not_exited() == 2, "both workers started with no page sent"
        assert pool.expect(50) is False, "only the first call starts them"
        fut = pool.submit(a_real_page(), "https://example.com/0/", backlog=4)
        assert fut is not None and fut.result(timeout=100) is not None
        assert pool.generations_started == 1
    finally:
        pool.shutdown()
    assert ExtractorPool(0).expect(100) is False, "in-process extraction has no workers to start"


def test_a_worker_extracts_without_loading_the_language_detector():
    """Languages are detected once, in the match stage; each worker would hold py3langid + numpy for nothing."""
    pool = ExtractorPool(1)
    try:
        assert pool.submit(a_real_page(), "https://example.com/0/").result(timeout=100) is not None
        loaded = pool._submit_call(faulty_work.loaded_modules, ["trafilatura", "py3langid", "numpy"])
        assert loaded.result(timeout=100) == {"trafilatura": True, "py3langid": False, "numpy": False}
    finally:
        pool.shutdown()


def test_a_page_sent_as_its_raw_body_is_extracted_as_if_decoded_by_scrapy():
    from scrapy.http import HtmlResponse

    from borderwatch.crawler.extract import extract

    html = a_real_page().replace("</p>", " — “cartel” año</p>", 1)
    url = "https://example.com/a/"
    for enc in ("utf-8", "cp1252"):
        resp = HtmlResponse(url, body=html.encode(enc, errors="replace"), encoding=enc)
        assert extract(resp.body, url, encoding=resp.encoding) == extract(resp.text, url)


def test_workers_are_recycled_one_generation_at_a_time_and_every_page_comes_back():
    pool = ExtractorPool(2, tasks_per_child=5)
    html = a_real_page()
    try:
        with MostWorkers() as alive:
            futs = [pool.submit(html, f"https://example.com/{i}/") for i in range(30)]
            done, not_done = wait(futs, timeout=100)
    finally:
        pool.shutdown()
    assert not not_done and len(done) == 30
    assert all(f.result() is not None for f in futs)
    assert pool.generations_started == 3  # 30 pages / (2 workers x 5) per generation
    assert alive.samples > 0
    assert alive.most == 2  # a retired generation's workers are gone before the next one starts


def test_a_retired_worker_that_does_not_exit_is_killed_before_the_next_generation_starts():
    """A worker starved or stopped on a loaded machine must not overlap the next generation (the memory bound)."""
    pool = ExtractorPool(2, tasks_per_child=2, retire_grace=1.0)
    try:
        first = [pool._submit_call(faulty_work.echo, i) for i in range(4)]  # fills generation 1 (2 x 2)
        assert [f.result(timeout=60) for f in first] == list(range(4))
        old = multiprocessing.active_children()
        assert len(old) == 2
        for p in old:
            os.kill(p.pid, signal.SIGSTOP)  # it can neither take its exit order nor exit
        with MostWorkers() as alive:
            second = [pool._submit_call(faulty_work.echo, i) for i in range(4, 8)]
            assert [f.result(timeout=60) for f in second] == list(range(4, 8))
    finally:
        pool.shutdown()
    assert pool.generations_started >= 2
    assert all(p.exitcode == -signal.SIGKILL for p in old)  # killed after the grace period, not left behind
    assert alive.samples > 0
    assert alive.most == 2


def test_a_worker_killed_mid_page_loses_no_page(tmp_path):
    pool = ExtractorPool(2, page_timeout=60)
    try:
        futs = [pool._submit_call(faulty_work.slow, 0.05, i) for i in range(6)]
        futs.append(pool._submit_call(faulty_work.die_once, str(tmp_path / "marker"), "survivor"))
        futs += [pool._submit_call(faulty_work.slow, 0.05, i) for i in range(6, 12)]
        done, not_done = wait(futs, timeout=60)
    finally:
        pool.shutdown()
    assert not not_done
    assert (tmp_path / "marker").exists()  # a worker really died
    assert [f.result() for f in futs] == [*range(6), "survivor", *range(6, 12)]
    assert pool.generations_started == 2


def test_a_page_that_kills_every_worker_fails_alone_and_the_pool_keeps_working():
    pool = ExtractorPool(2, page_timeout=60, retries=2)
    try:
        poison = pool._submit_call(faulty_work.always_die, "x")
        with pytest.raises(BrokenProcessPool):
            poison.result(timeout=60)
        assert pool.generations_started == 3  # first try + two retries
        after = [pool._submit_call(faulty_work.echo, i) for i in range(5)]
        assert [f.result(timeout=60) for f in after] == list(range(5))
    finally:
        pool.shutdown()


def test_a_hung_page_times_out_and_the_others_still_come_back():
    pool = ExtractorPool(2, page_timeout=10)
    try:
        warm = [pool._submit_call(faulty_work.slow, 1, i) for i in range(2)]  # both workers started
        assert [f.result(timeout=60) for f in warm] == [0, 1]
        hung = pool._submit_call(faulty_work.hang, "never")
        others = [pool._submit_call(faulty_work.slow, 0.05, i) for i in range(8)]
        with pytest.raises(TimeoutError):
            hung.result(timeout=60)
        assert [f.result(timeout=60) for f in others] == list(range(8))
    finally:
        pool.shutdown()


def test_starting_the_resource_tracker_leaves_held_back_signals_held_back():
    """The pool starts multiprocessing's tracker mid-crawl, while SIGTERM/SIGINT are blocked (stopping.py)."""
    code = (
        "import signal\n"
        "from multiprocessing import resource_tracker as rt\n"
        "from borderwatch.stopping import STOP_SIGNALS, start_resource_tracker\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, set(STOP_SIGNALS))\n"
        "start_resource_tracker()\n"
        "assert rt._resource_tracker._pid is not None, 'tracker started'\n"
        "assert set(STOP_SIGNALS) <= signal.pthread_sigmask(signal.SIG_BLOCK, ()), 'unblocked'\n"
        "assert rt._HAVE_SIGMASK, 'CPython flag restored'\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "ok", out.stderr
