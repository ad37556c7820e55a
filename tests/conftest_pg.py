"""PostgreSQL for the tests: one throwaway server per session (started lazily, only when a test asks for
it), a fresh database per test, and the `both_backends` marker that runs a test on SQLite and PostgreSQL.

Where no server can be started (no binaries, no 'postgres' user when root, ...) the PostgreSQL variants skip
with the reason; run `pytest -rs` (the default addopts do) to see it.
"""

from __future__ import annotations

import pytest

from tests.support.pgserver import PgServer, PgUnavailable

BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def pg_server():
    try:
        srv = PgServer().start()
    except PgUnavailable as exc:
        pytest.skip(f"PostgreSQL not available: {exc}")
    yield srv
    srv.stop()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh, empty PostgreSQL database (its SQLAlchemy URL)."""
    return pg_server.create_database()


@pytest.fixture
def backend(request) -> str:
    return getattr(request, "param", "sqlite")


def database_url(request, tmp_path) -> str:
    """The URL for this test: a SQLite file in tmp_path, or a fresh PostgreSQL database."""
    kind = request.getfixturevalue("backend") if "backend" in request.fixturenames else "sqlite"
    if kind == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'bw.db'}"


@pytest.fixture
def db_url(request, tmp_path) -> str:
    return database_url(request, tmp_path)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "both_backends: run this test once on SQLite and once on a real PostgreSQL server"
    )


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("both_backends"):
        if "backend" not in metafunc.fixturenames:
            metafunc.fixturenames.append("backend")
        metafunc.parametrize("backend", BACKENDS, indirect=True)
