"""Moved to borderwatch.store.retention (the store owns its queries); kept importable from here."""

from borderwatch.store.retention import (  # noqa: F401
    DEFAULT_RETENTION_DAYS,
    VACUUM_EVERY_DAYS,
    VACUUM_KEY,
    PruneResult,
    compact,
    prune,
)
