"""Run records: one row per cycle, closed when it ends; runs that died are closed by the next one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .db import Store
from .models import RunRow, utcnow


def start_run(store: Store, started_at: datetime) -> int:
    with store.session() as s:
        run = RunRow(started_at=started_at)
        s.add(run)
        s.flush()
        return run.id


def finish_run(store: Store, run_id: int, status: str, stats: dict) -> None:
    with store.session() as s:
        run = s.get(RunRow, run_id)
        run.finished_at = utcnow()
        run.status = status
        run.stats = stats


def close_interrupted_runs(store: Store, now: datetime) -> int:
    """Mark every unfinished run interrupted (it died: kill -9, power cut); returns how many there were."""
    with store.session() as s:
        dead = s.scalars(select(RunRow).where(RunRow.finished_at.is_(None))).all()
        for run in dead:
            run.status = "interrupted"
            run.finished_at = now
        return len(dead)


def last_run(store: Store) -> RunRow | None:
    with store.session() as s:
        return s.scalars(select(RunRow).order_by(RunRow.id.desc()).limit(1)).first()


def last_ok_run_finished_at(store: Store) -> datetime | None:
    with store.session() as s:
        return s.scalar(select(func.max(RunRow.finished_at)).where(RunRow.status == "ok"))


def first_run_started_at(store: Store) -> datetime | None:
    with store.session() as s:
        return s.scalar(select(func.min(RunRow.started_at)))
