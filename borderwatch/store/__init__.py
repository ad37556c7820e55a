"""The store: the database and every query the stages run against it.

- models.py: the tables (ORM classes), what the migrations must match;
- db.py: engine, sessions, the Store object (kv, translation cache, schema state);
- outbox.py: the digest queue and the outbox (digests, their items and parts, delivery states);
  "queued" and "pending digest" are defined there, once;
- crawl.py: crawl state (URLs seen, conditional-GET validators, page failures, stored articles, source health);
- articles.py: matching, tagging and reading stored articles (match stage, replay, trends, counts);
- feedback.py: consultants' verdicts on digest items;
- trends.py: the weekly trends chart, a digest of its own kind in the outbox;
- runs.py: run records; retention.py: what is pruned and when; lock.py: one run at a time (the run lock).

Stages call these named functions instead of building queries. The names below stay importable from
`borderwatch.store` directly.
"""

from sqlalchemy.exc import DBAPIError  # noqa: F401  (the database itself failed: disk full, gone, locked)
from sqlalchemy.exc import SQLAlchemyError as DatabaseError  # noqa: F401  (what every query may raise)

from .db import (  # noqa: F401
    DEFAULT_DB,
    DEFAULT_TIMEOUT,
    Store,
    db_timeout,
    db_url,
    redact_url,
    sqlite_path,
    url_password,
)
from .models import (  # noqa: F401
    TZ,
    ArticleRow,
    Base,
    CompressedText,
    DigestItem,
    DigestPart,
    DigestRow,
    FeedbackRow,
    FetchState,
    KeyValue,
    MatchRow,
    PageFailure,
    RunRow,
    SourceRow,
    TranslationRow,
    UrlSeen,
    utcnow,
)
from .outbox import delivered_digest_rows  # noqa: F401  (alerts/archive.py)
from .trends import TrendUpload  # noqa: F401  (the former trend_uploads model: now the chart read from the outbox)
