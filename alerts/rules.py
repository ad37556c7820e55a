"""keywords.yaml -> validated Rule objects, with one 'file:line:col: message' per problem.

Shape (see README, "keywords.yaml"):

    groups:                      # optional, reusable term lists, referenced as "@name"
      drone_words: [drone, dron, UAV, UAS]
    rules:
      - id: fpv                  # unique, [a-z0-9_-]
        name: FPV drones
        any: [FPV, first-person view]          # at least one must occur
        all: [[cartel, CJNG], "@drone_words"]  # every entry must occur; an entry may be a list of alternatives
        none: [FPV racing]                     # any of these vetoes the rule
        near: [{a: [cartel], b: "@drone_words", within: 12}]   # two groups within N words
        fields: [title, text]    # where to look (default both)
        lang: [en, es]           # informational tags; terms of both languages sit side by side

A term is a string (case-insensitive, whole words, hyphen/space/joined variants, plural -s/-es on the
last word) or a mapping {term: UAS, case: true, plural: false}.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderwatch.yamlload import Checker, ConfigError, load_yaml

from .textnorm import term_tokens

RULE_KEYS = {"id", "name", "any", "all", "none", "near", "fields", "lang", "description", "enabled"}
TOP_KEYS = {"rules", "groups", "version"}
FIELDS = {"title", "text"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class Term:
    text: str
    case: bool = False
    plural: bool = True


@dataclass(frozen=True)
class Near:
    a: tuple[Term, ...]
    b: tuple[Term, ...]
    within: int


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    any: tuple[Term, ...] = ()
    all: tuple[tuple[Term, ...], ...] = ()
    none: tuple[Term, ...] = ()
    near: tuple[Near, ...] = ()
    fields: frozenset[str] = frozenset(FIELDS)
    lang: tuple[str, ...] = ()

    def terms(self) -> list[Term]:
        out = list(self.any) + list(self.none)
        for alt in self.all:
            out.extend(alt)
        for n in self.near:
            out.extend(n.a)
            out.extend(n.b)
        return out


@dataclass
class RuleSet:
    rules: list[Rule]
    path: str = ""
    groups: dict[str, tuple[Term, ...]] = field(default_factory=dict)

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


class _Parser:
    def __init__(self, path: Path | str):
        self.check = Checker(path)
        self.groups: dict[str, tuple[Term, ...]] = {}

    # -- terms -------------------------------------------------------------
    def term(self, node: Any, key: Any, value: Any, where: str) -> list[Term]:
        if isinstance(value, str):
            if value.startswith("@"):
                name = value[1:]
                if name not in self.groups:
                    known = ", ".join(sorted(self.groups)) or "none defined"
                    self.check.add(node, key, f"{where}: unknown group '{value}' (groups: {known})")
                    return []
                return list(self.groups[name])
            if not value.strip() or not term_tokens(value):
                self.check.add(node, key, f"{where}: empty term (a term needs at least one letter or digit)")
                return []
            return [Term(value.strip())]
        if isinstance(value, dict):
            unknown = set(value) - {"term", "case", "plural"}
            if unknown:
                self.check.add(
                    value,
                    sorted(unknown)[0],
                    f"{where}: unknown key '{sorted(unknown)[0]}' in term (allowed: term, case, plural)",
                )
                return []
            text = value.get("term")
            if not isinstance(text, str) or not term_tokens(text):
                self.check.add(value, "term", f"{where}: a term mapping needs 'term: <words>'")
                return []
            for flag in ("case", "plural"):
                if flag in value and not isinstance(value[flag], bool):
                    self.check.add(value, flag, f"{where}: '{flag}' must be true or false")
                    return []
            return [
                Term(
                    text.strip(), case=bool(value.get("case", False)), plural=bool(value.get("plural", True))
                )
            ]
        self.check.add(
            node,
            key,
            f"{where}: a term must be a string or a mapping {{term: ..., case: true}}, got {type(value).__name__}",
        )
        return []

    def term_list(self, node: Any, key: Any, value: Any, where: str) -> tuple[Term, ...]:
        if isinstance(value, str):
            return tuple(self.term(node, key, value, where))
        if not isinstance(value, list):
            self.check.add(node, key, f"{where}: expected a list of terms, got {type(value).__name__}")
            return ()
        out: list[Term] = []
        for i, item in enumerate(value):
            out.extend(self.term(value, i, item, where))
        return tuple(dict.fromkeys(out))

    # -- file --------------------------------------------------------------
    def parse(self, data: Any) -> RuleSet:
        c = self.check
        if data is None:
            c.add(data, None, "file is empty: expected a mapping with a 'rules:' list")
            c.raise_if_any()
        if not isinstance(data, dict):
            c.add(data, None, "top level must be a mapping with a 'rules:' list")
            c.raise_if_any()
        for key in data:
            if key not in TOP_KEYS:
                c.add(data, key, f"unknown top-level key '{key}' (allowed: {', '.join(sorted(TOP_KEYS))})")
        groups = data.get("groups") or {}
        if not isinstance(groups, dict):
            c.add(data, "groups", "'groups' must be a mapping of name -> list of terms")
            groups = {}
        for name, terms in groups.items():
            self.groups[str(name)] = self.term_list(groups, name, terms, f"group '{name}'")
        rules_node = data.get("rules")
        if not isinstance(rules_node, list) or not rules_node:
            c.add(data, "rules" if "rules" in data else None, "'rules' must be a non-empty list of rules")
            c.raise_if_any()
        rules: list[Rule] = []
        seen: dict[str, int] = {}
        for i, node in enumerate(rules_node):
            rule = self.rule(rules_node, i, node)
            if rule is None:
                continue
            if rule.id in seen:
                c.add(
                    node, "id", f"duplicate rule id '{rule.id}' (first defined as rule #{seen[rule.id] + 1})"
                )
                continue
            seen[rule.id] = i
            rules.append(rule)
        c.raise_if_any()
        return RuleSet(rules=rules, groups=self.groups)

    def rule(self, parent: Any, index: int, node: Any) -> Rule | None:
        c = self.check
        if not isinstance(node, dict):
            c.add(parent, index, f"rule #{index + 1} must be a mapping with id, name and any/all")
            return None
        rid = node.get("id")
        label = f"rule '{rid}'" if isinstance(rid, str) else f"rule #{index + 1}"
        for key in node:
            if key not in RULE_KEYS:
                c.add(node, key, f"{label}: unknown key '{key}' (allowed: {', '.join(sorted(RULE_KEYS))})")
        if not isinstance(rid, str) or not ID_RE.match(rid):
            c.add(
                node,
                "id" if "id" in node else None,
                f"{label}: 'id' must be a lowercase word like 'counter_uas'",
            )
            return None
        if node.get("enabled", True) is False:
            return None
        name = node.get("name", rid)
        if not isinstance(name, str):
            c.add(node, "name", f"{label}: 'name' must be a string")
            name = rid
        any_ = self.term_list(node, "any", node.get("any") or [], f"{label} any") if "any" in node else ()
        none = self.term_list(node, "none", node.get("none") or [], f"{label} none") if "none" in node else ()
        all_: list[tuple[Term, ...]] = []
        raw_all = node.get("all") or []
        if not isinstance(raw_all, list):
            c.add(node, "all", f"{label}: 'all' must be a list (each entry a term or a list of alternatives)")
            raw_all = []
        for j, entry in enumerate(raw_all):
            alt = self.term_list(raw_all, j, entry, f"{label} all")
            if alt:
                all_.append(alt)
        near: list[Near] = []
        raw_near = node.get("near") or []
        if not isinstance(raw_near, list):
            c.add(node, "near", f"{label}: 'near' must be a list of {{a: [...], b: [...], within: N}}")
            raw_near = []
        for j, entry in enumerate(raw_near):
            if not isinstance(entry, dict) or not {"a", "b"} <= set(entry):
                c.add(raw_near, j, f"{label} near: each entry needs 'a', 'b' and 'within'")
                continue
            extra = set(entry) - {"a", "b", "within"}
            if extra:
                c.add(
                    entry,
                    sorted(extra)[0],
                    f"{label} near: unknown key '{sorted(extra)[0]}' (allowed: a, b, within)",
                )
            within = entry.get("within", 10)
            if not isinstance(within, int) or isinstance(within, bool) or within < 1:
                c.add(entry, "within", f"{label} near: 'within' must be a positive number of words")
                continue
            a = self.term_list(entry, "a", entry["a"], f"{label} near.a")
            b = self.term_list(entry, "b", entry["b"], f"{label} near.b")
            if a and b:
                near.append(Near(a, b, within))
        fields = node.get("fields", ["title", "text"])
        if isinstance(fields, str):
            fields = [fields]
        if not isinstance(fields, list) or not fields or not set(fields) <= FIELDS:
            c.add(node, "fields", f"{label}: 'fields' must be a list of: title, text")
            fields = list(FIELDS)
        lang = node.get("lang", [])
        if isinstance(lang, str):
            lang = [lang]
        if not isinstance(lang, list) or not all(isinstance(x, str) for x in lang):
            c.add(node, "lang", f"{label}: 'lang' must be a list of language codes like [en, es]")
            lang = []
        if not any_ and not all_ and not near:
            c.add(node, None, f"{label}: empty rule: give at least one term in 'any', 'all' or 'near'")
            return None
        return Rule(
            id=rid,
            name=name,
            any=any_,
            all=tuple(all_),
            none=none,
            near=tuple(near),
            fields=frozenset(fields),
            lang=tuple(lang),
        )


def parse_rules(data: Any, path: Path | str = "<keywords.yaml>") -> RuleSet:
    rs = _Parser(path).parse(data)
    rs.path = str(path)
    return rs


def load_rules(path: Path | str) -> RuleSet:
    """Load and validate keywords.yaml; raises ConfigError listing every problem."""
    return parse_rules(load_yaml(Path(path)), path)


__all__ = ["ConfigError", "Near", "Rule", "RuleSet", "Term", "load_rules", "parse_rules"]
