"""keywords.yaml parsed once per content: the validated RuleSet, pickled in the cache directory by a hash.

Parsing the shipped rules costs ~0.25 s of CPU a run (the ruamel round-trip load keeps every line and column
for error messages, then 1,200 terms expand into 7,200 word forms). The daily run, `rules test`, `status` and
the no-news run all pay it for a file that rarely changes, on a small 2-core server. So a clean parse is kept
under the SHA-256 of the file's bytes and of the code that parses it (this package's parser, term expansion
and YAML loader, and the Python version); the next process with the same file and code loads it in ~3 ms.

Only clean parses are cached. A broken file hashes to a key with no entry, so it is parsed and reported exactly
as without the cache (file:line:column of every problem). Any trouble with the cache -- no directory, a
read-only disk, a truncated or foreign file -- means "parse it", never an error: the cache is only a shortcut.
The directory is the one the language model uses (BORDERWATCH_CACHE_DIR, else $XDG_CACHE_HOME/borderwatch);
it is the operator's own, as for any local cache of this kind, and only the newest few entries are kept.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import sys
from functools import cache
from pathlib import Path

from borderwatch import cachedir

from . import rules as _rules
from . import textnorm as _textnorm

log = logging.getLogger(__name__)
KEEP = 8  # entries kept: an operator trying edits back and forth still hits
_MAGIC = b"borderwatch-rules-1\n"


@cache
def _code_key() -> bytes:
    """What a cached RuleSet depends on besides the file: the parsing code's source and the interpreter."""
    from borderwatch import yamlload

    h = hashlib.sha256(_MAGIC + sys.version.encode())
    for mod in (_rules, _textnorm, yamlload):
        h.update(Path(mod.__file__).read_bytes())
    return h.digest()


def _name(data: bytes) -> str:
    return f"{hashlib.sha256(_code_key() + data).hexdigest()}.pickle"


def load_rules(path: Path | str) -> _rules.RuleSet:
    """Like alerts.rules.load_rules (same result, same ConfigError), from the cache when the file is unchanged."""
    path = Path(path)
    try:
        name = _name(path.read_bytes())
    except OSError:  # missing or unreadable: the parser says so with its own message
        return _rules.load_rules(path)
    blob = cachedir.read("rules", name)
    if blob is not None and blob.startswith(_MAGIC):
        try:
            rs = pickle.loads(blob[len(_MAGIC) :])
        except Exception as exc:  # a truncated or foreign file: parse, and overwrite it below
            log.debug("ignoring unreadable rules cache entry %s: %s", name, exc)
        else:
            if isinstance(rs, _rules.RuleSet):
                rs.path = str(path)
                return rs
    rs = _rules.load_rules(path)
    cachedir.write("rules", name, _MAGIC + pickle.dumps(rs, protocol=pickle.HIGHEST_PROTOCOL), keep=KEEP)
    return rs
