"""Moved to borderwatch.store.lock (the run lock lives with the database it locks); kept importable here."""

from borderwatch.store.lock import RunBusy, lock_path, run_lock  # noqa: F401
