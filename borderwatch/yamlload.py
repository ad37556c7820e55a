"""YAML loading that keeps line/column numbers so every config error can name file:line:column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError


@dataclass
class Problem:
    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ConfigError(Exception):
    """One or more problems in a config file; str() gives one 'file:line:col: message' per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def load_yaml(
    path: Path | str,
    not_found: str = "file not found",
    cannot_read: str = "cannot read file",
    hints: list[tuple[str, str]] | None = None,
) -> Any:
    """Parse a YAML file (round-trip mode, so nodes carry positions) or raise ConfigError.

    The one YAML loader of both config files; `not_found`/`cannot_read` word the file errors, `hints`
    (keywords.yaml's) add an operator's fix to syntax errors (see parse_yaml_text)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([Problem(str(path), 1, 1, not_found)]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([Problem(str(path), 1, 1, f"{cannot_read}: {exc}")]) from None
    return parse_yaml_text(text, str(path), hints)


def parse_yaml_text(text: str, path: str, hints: list[tuple[str, str]] | None = None) -> Any:
    """Parse YAML text (e.g. a stored last good copy) named `path` in errors. With `hints` ((substring of
    the parser's message, advice) pairs), a syntax error also says how to fix it, and where the construct
    began when that is on another line."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        col = mark.column + 1 if mark else 1
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        if hints is None:
            raise ConfigError([Problem(path, line, col, f"invalid YAML: {what}")]) from None
        hint = next((h for key, h in hints if key in what), "check the indentation, brackets and quotes")
        ctx = exc.context_mark
        if ctx is not None and exc.problem_mark is not None and ctx.line != exc.problem_mark.line:
            hint += f" (the construct started on line {ctx.line + 1}, column {ctx.column + 1})"
        raise ConfigError([Problem(path, line, col, f"invalid YAML: {what}: {hint}")]) from None
    except YAMLError as exc:
        raise ConfigError([Problem(path, 1, 1, f"invalid YAML: {exc}")]) from None


def where(node: Any, key: Any = None) -> tuple[int, int]:
    """1-based (line, column) of a mapping key / sequence index inside node, or of node itself."""
    try:
        if key is not None and isinstance(node, CommentedMap) and key in node:
            line, col = node.lc.key(key)
            return line + 1, col + 1
        if key is not None and isinstance(node, CommentedSeq) and isinstance(key, int):
            line, col = node.lc.item(key)
            return line + 1, col + 1
        if hasattr(node, "lc") and node.lc.line is not None:
            return node.lc.line + 1, node.lc.col + 1
    except (KeyError, IndexError, TypeError, AttributeError):
        pass
    return 1, 1


class Checker:
    """Collects problems for one file so the operator sees all of them at once."""

    def __init__(self, file: Path | str):
        self.file = str(file)
        self.problems: list[Problem] = []

    def add(self, node: Any, key: Any, message: str) -> None:
        line, col = where(node, key)
        self.problems.append(Problem(self.file, line, col, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)
