"""The extraction pool recycles its workers without hanging (ProcessPoolExecutor did: CPython gh-115634)."""

from __future__ import annotations

from concurrent.futures import wait
from pathlib import Path

from borderwatch.crawler.workers import ExtractorPool


def a_real_page() -> str:
    pages = (Path(__file__).parent / "fixtures" / "outlets").rglob("*.html")
    return next(p for p in pages if p.stat().st_size > 20_000).read_text(encoding="utf-8", errors="replace")


def test_workers_are_recycled_and_every_page_comes_back():
    pool = ExtractorPool(2, tasks_per_child=5)
    html = a_real_page()
    futs = [pool.submit(html, f"https://example.com/{i}/") for i in range(30)]
    done, not_done = wait(futs, timeout=120)
    pool.shutdown()
    assert not not_done and len(done) == 30
    assert all(f.result() is not None for f in futs)
