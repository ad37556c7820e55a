"""keywords.yaml -> validated Rule objects, with one 'file:line:col: message' per problem.

Shape (see docs/rules.md):

    groups:                      # optional, reusable term lists, referenced as "@name"
      drone_words: [drone, dron, UAV, {term: UAS, case: true}]
      mx_cartels: [cartel, cártel, CJNG, "@sinaloa"]        # a group may use groups defined anywhere
    rules:
      - id: fpv                  # unique, [a-z0-9_-]
        name: FPV drones
        any: [FPV, first-person view]          # at least one must occur
        all: [[cartel, CJNG], "@drone_words"]  # every entry must occur; an entry may be a list of alternatives
        none: [FPV racing]                     # any of these vetoes the rule
        near: [{a: [cartel], b: "@drone_words", within: 12}]   # a term of a within N words of a term of b
                                 # (order: a-first = a's term before b's; b-first the other way; default either)
        fields: [title, text]    # where to look (default both)
        lang: [en, es]           # fires only on articles detected as en or es (undetected: always; borderwatch/language.py)
        channel: C0POLICY1       # optional: this topic's Slack channel ID (default: SLACK_CHANNEL)
        webhook_env: POLICY_HOOK # optional: env var holding that channel's incoming-webhook URL
      - id: fpv_racing_weapons
        topic: fpv               # optional: another way to catch rule fpv's topic; what it fires is filed,
        any: [...]               # shown, routed, ranked and counted exactly as if fpv had fired

A term is a string (case-insensitive, whole words, hyphen/space/joined variants, plurals) or a mapping
{term: UAS, case: true, plural: false}. Every problem message says what to change, because the person
reading it is an operator editing YAML, not a developer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from borderwatch.yamlload import Checker, ConfigError, load_yaml
from borderwatch.yamlload import parse_yaml_text as _parse_yaml_text

from .textnorm import term_tokens

RULE_KEYS = (
    "id",
    "name",
    "topic",
    "any",
    "all",
    "none",
    "near",
    "fields",
    "lang",
    "description",
    "enabled",
    "channel",
    "webhook_env",
)
TOP_KEYS = ("rules", "groups", "version")
TERM_KEYS = ("term", "case", "plural")
NEAR_KEYS = ("a", "b", "within", "order")
NEAR_ORDERS = ("any", "a-first", "b-first")
FIELDS = ("title", "text")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
GROUP_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{2,30}$")  # a public (C...) or private (G...) channel ID
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,100}$")
DEFAULT_WITHIN = 10
MAX_WITHIN = 1000


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
    # "a-first": only a term of a that starts at or before a term of b counts ("stop the drone", not "the drone
    # stopped flights"); "b-first" the reverse; "any" (the default) either way
    order: str = "any"


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
    description: str = ""
    channel: str | None = None  # Slack channel ID for this topic's items (None: the default channel)
    webhook_env: str | None = None  # name of the env var holding this topic's incoming-webhook URL
    # `topic: <rule id>`: this rule is one more way to catch that rule's topic (None: the rule is its own topic)
    topic: str | None = None

    @property
    def topic_id(self) -> str:
        """The digest topic an article this rule fires is filed under."""
        return self.topic or self.id

    def positive_terms(self) -> list[Term]:
        """Terms that can make the rule fire (everything except `none`)."""
        out = list(self.any)
        for alt in self.all:
            out.extend(alt)
        for n in self.near:
            out.extend(n.a)
            out.extend(n.b)
        return out

    def terms(self) -> list[Term]:
        return self.positive_terms() + list(self.none)


@dataclass
class RuleSet:
    rules: list[Rule]
    path: str = ""
    groups: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    # (id, name) of the valid rules switched off with `enabled: false`: kept out of matching, listed by
    # `rules check` so an operator can see what can be switched on.
    disabled: list[tuple[str, str]] = field(default_factory=list)
    # rule id -> its `topic:` for the valid rules left out because that topic's rule is disabled
    disabled_with: dict[str, str] = field(default_factory=dict)

    def by_id(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def topics(self) -> list[Rule]:
        """The rules that are digest topics (no `topic:` of their own), in priority (file) order. Every
        other rule files what it fires under one of these; routing, order and names come from them."""
        return [r for r in self.rules if r.topic is None]

    def topic_of(self, rule_id: str) -> str:
        """The topic a rule id files under (an unknown id: itself, e.g. a rule removed since it fired)."""
        r = self.by_id(rule_id)
        return r.topic_id if r is not None else rule_id


def _suggest(word: Any, options: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'? " if close else ""


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


class _Parser:
    def __init__(self, path: Path | str):
        self.check = Checker(path)
        self.raw_groups: dict[str, tuple[Any, Any, Any]] = {}  # name -> (node, key, value)
        self.groups: dict[str, tuple[Term, ...]] = {}
        self.resolving: list[str] = []
        self.disabled: list[tuple[str, str]] = []
        # rule id -> (node, its `topic:` value, name) for every rule that names a topic
        self.topic_refs: dict[str, tuple[Any, str, str]] = {}

    # -- groups ------------------------------------------------------------
    def group(self, node: Any, key: Any, ref: str, where: str) -> list[Term]:
        name = ref[1:]
        if name in self.groups:
            return list(self.groups[name])
        if name not in self.raw_groups:
            known = sorted(self.raw_groups)
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"did you mean '@{close[0]}'? " if close else ""
            self.check.add(
                node,
                key,
                f"{where}: unknown group '{ref}': {hint}define it under 'groups:' at the top of the file "
                f"(defined: {', '.join('@' + k for k in known) or 'none'})",
            )
            return []
        if name in self.resolving:
            cycle = " -> ".join("@" + n for n in self.resolving[self.resolving.index(name) :] + [name])
            self.check.add(
                node, key, f"{where}: groups refer to each other in a circle ({cycle}): remove one"
            )
            return []
        self.resolving.append(name)
        gnode, gkey, gvalue = self.raw_groups[name]
        terms = self.term_list(gnode, gkey, gvalue, f"group '{name}'")
        self.resolving.pop()
        self.groups[name] = terms
        return list(terms)

    # -- terms -------------------------------------------------------------
    def term(self, node: Any, key: Any, value: Any, where: str) -> list[Term]:
        if isinstance(value, bool) or value is None:
            self.check.add(
                node,
                key,
                f'{where}: a term must be words, got {_kind(value)}: write the word in quotes, e.g. "yes"',
            )
            return []
        if isinstance(value, (int, float)):
            value = str(value)
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("@"):
                return self.group(node, key, text, where)
            if not term_tokens(text):
                self.check.add(
                    node, key, f"{where}: empty term {value!r}: a term needs at least one letter or digit"
                )
                return []
            return [Term(text)]
        if isinstance(value, dict):
            unknown = [k for k in value if k not in TERM_KEYS]
            if unknown:
                k = unknown[0]
                self.check.add(
                    value,
                    k,
                    f"{where}: unknown key '{k}' in a term mapping: {_suggest(k, TERM_KEYS)}"
                    f"use {{term: words, case: true|false, plural: true|false}}",
                )
                return []
            text = value.get("term")
            if isinstance(text, (int, float)) and not isinstance(text, bool):
                text = str(text)
            if not isinstance(text, str) or not term_tokens(text):
                self.check.add(
                    value,
                    "term" if "term" in value else None,
                    f"{where}: a term mapping needs 'term: <words>', e.g. {{term: UAS, case: true}}",
                )
                return []
            if text.strip().startswith("@"):
                self.check.add(
                    value, "term", f'{where}: a group reference cannot take options: write just "{text}"'
                )
                return []
            for flag in ("case", "plural"):
                if flag in value and not isinstance(value[flag], bool):
                    self.check.add(
                        value, flag, f"{where}: '{flag}' must be true or false, got {_kind(value[flag])}"
                    )
                    return []
            return [
                Term(
                    text.strip(), case=bool(value.get("case", False)), plural=bool(value.get("plural", True))
                )
            ]
        self.check.add(
            node,
            key,
            f"{where}: a term must be words or a mapping like {{term: UAS, case: true}}, got {_kind(value)}",
        )
        return []

    def term_list(self, node: Any, key: Any, value: Any, where: str) -> tuple[Term, ...]:
        if isinstance(value, (str, dict)):
            return tuple(self.term(node, key, value, where))
        if not isinstance(value, list):
            self.check.add(
                node,
                key,
                f"{where}: expected a list of terms, got {_kind(value)}: write it as [term, other term]",
            )
            return ()
        out: list[Term] = []
        for i, item in enumerate(value):
            if isinstance(item, list):
                self.check.add(
                    value,
                    i,
                    f"{where}: a list inside this list is only allowed in 'all' (alternatives); "
                    "here, put the terms in the outer list",
                )
                continue
            out.extend(self.term(value, i, item, where))
        return tuple(dict.fromkeys(out))

    # -- file --------------------------------------------------------------
    def parse(self, data: Any) -> RuleSet:
        c = self.check
        if data is None:
            c.add(
                data,
                None,
                "file is empty: expected a mapping with a 'rules:' list (see docs/rules.md)",
            )
            c.raise_if_any()
        if not isinstance(data, dict):
            c.add(data, None, f"top level must be a mapping with a 'rules:' list, got {_kind(data)}")
            c.raise_if_any()
        for key in data:
            if key not in TOP_KEYS:
                c.add(
                    data,
                    key,
                    f"unknown top-level key '{key}': {_suggest(key, TOP_KEYS)}allowed: {', '.join(TOP_KEYS)}",
                )
        groups = data.get("groups")
        if groups is None:
            groups = {}
        if not isinstance(groups, dict):
            c.add(data, "groups", f"'groups' must be a mapping of name: [terms], got {_kind(groups)}")
            groups = {}
        for name, terms in groups.items():
            if not isinstance(name, str) or not GROUP_RE.match(name):
                c.add(
                    groups, name, f"group name '{name}' must be letters, digits, '_' or '-', e.g. drone_words"
                )
                continue
            self.raw_groups[name] = (groups, name, terms)
        for name, (gnode, gkey, gvalue) in self.raw_groups.items():
            if name not in self.groups:
                terms = self.group(gnode, gkey, "@" + name, f"group '{name}'")
                if not terms and isinstance(gvalue, list) and not gvalue:
                    c.add(gnode, gkey, f"group '{name}' is empty: list at least one term or remove it")
        rules_node = data.get("rules")
        if not isinstance(rules_node, list) or not rules_node:
            got = "missing" if "rules" not in data else f"{_kind(rules_node)}"
            c.add(
                data,
                "rules" if "rules" in data else None,
                f"'rules' must be a non-empty list of rules (got {got}): start each rule with '- id: ...'",
            )
            c.raise_if_any()
        rules: list[Rule] = []
        seen: dict[str, Any] = {}
        for i, node in enumerate(rules_node):
            rule = self.rule(rules_node, i, node)
            rid = node.get("id") if isinstance(node, dict) else None
            if isinstance(rid, str) and rid in seen:
                first_line = _line_of(rules_node, seen[rid])
                c.add(
                    node,
                    "id",
                    f"duplicate rule id '{rid}' (already used by rule #{seen[rid] + 1}"
                    + (f" on line {first_line}" if first_line else "")
                    + "): give each rule its own id",
                )
                continue
            if isinstance(rid, str):
                seen[rid] = i
            if rule is not None:
                rules.append(rule)
        off = self.check_topics(rules_node, seen)
        rules = [r for r in rules if r.id not in off]
        if not rules and not c.problems:
            c.add(data, "rules", "every rule is disabled (enabled: false): enable at least one")
        c.problems.sort(key=lambda p: (p.line, p.column))
        c.raise_if_any()
        return RuleSet(rules=rules, groups=dict(self.groups), disabled=list(self.disabled), disabled_with=off)

    def check_topics(self, rules_node: list, seen: dict[str, int]) -> dict[str, str]:
        """Check every `topic:` against the other rules (all of them, disabled ones too): it must name another
        rule, which is a topic itself (no chains). Returns {rule id: topic} for the enabled rules whose topic
        is disabled: they are left out with it (a way to catch a topic nobody follows catches nothing)."""
        c = self.check
        nodes = {rid: rules_node[i] for rid, i in seen.items()}
        off: dict[str, str] = {}
        for rid, (node, target, name) in self.topic_refs.items():
            label = f"rule '{rid}'"
            if target == rid:
                c.add(
                    node,
                    "topic",
                    f"{label}: topic '{target}' is this rule itself: every rule is its own topic already; "
                    "remove 'topic:' or name another rule's id",
                )
                continue
            tnode = nodes.get(target)
            if tnode is None:
                ids = [r for r, n in nodes.items() if r != rid and not (isinstance(n, dict) and "topic" in n)]
                c.add(
                    node,
                    "topic",
                    f"{label}: topic '{target}' is not a rule in this file: {_suggest(target, ids)}"
                    "name the id of the rule whose digest topic this rule also catches "
                    f"(rules: {', '.join(ids) or 'none'})",
                )
                continue
            chain = tnode.get("topic") if isinstance(tnode, dict) else None
            if chain is not None:
                hint = (
                    f"write topic: {chain}"
                    if isinstance(chain, str) and chain != rid
                    else "name a topic rule"
                )
                c.add(
                    node,
                    "topic",
                    f"{label}: topic '{target}' has a topic of its own (topic: {chain}), and topics do not "
                    f"chain: {hint} (a rule without 'topic:')",
                )
                continue
            enabled = node.get("enabled", True)
            if enabled is not False and isinstance(tnode, dict) and tnode.get("enabled", True) is False:
                off[rid] = target
                self.disabled.append((rid, name))
        return off

    def rule(self, parent: Any, index: int, node: Any) -> Rule | None:
        c = self.check
        if not isinstance(node, dict):
            c.add(
                parent,
                index,
                f"rule #{index + 1} must be a mapping (id, name, any/all/near ...), got {_kind(node)}",
            )
            return None
        rid = node.get("id")
        label = f"rule '{rid}'" if isinstance(rid, str) and rid else f"rule #{index + 1}"
        typo = False
        for key in node:
            if key not in RULE_KEYS:
                typo = True
                c.add(
                    node,
                    key,
                    f"{label}: unknown key '{key}': {_suggest(key, RULE_KEYS)}allowed: {', '.join(RULE_KEYS)}",
                )
        ok = True
        if not isinstance(rid, str) or not ID_RE.match(rid):
            got = "missing" if rid is None else repr(rid)
            c.add(
                node,
                "id" if "id" in node else None,
                f"{label}: 'id' must be lowercase letters, digits, '_' or '-', e.g. counter_uas (got {got})",
            )
            ok = False
        enabled = node.get("enabled", True)
        if not isinstance(enabled, bool):
            c.add(node, "enabled", f"{label}: 'enabled' must be true or false, got {_kind(enabled)}")
        name = node.get("name", rid)
        if not isinstance(name, str) or not name.strip():
            c.add(node, "name", f"{label}: 'name' must be a short title, e.g. name: Cartel drone attacks")
            name = rid if isinstance(rid, str) else ""
        description = node.get("description", "")
        if not isinstance(description, str):
            c.add(node, "description", f"{label}: 'description' must be text")
            description = ""
        problems_before = len(c.problems)
        any_: tuple[Term, ...] = ()
        if "any" in node and node["any"] is not None:
            any_ = self.term_list(node, "any", node["any"], f"{label} any")
        none: tuple[Term, ...] = ()
        if "none" in node and node["none"] is not None:
            none = self.term_list(node, "none", node["none"], f"{label} none")
        all_: list[tuple[Term, ...]] = []
        raw_all = node.get("all")
        if raw_all is None:
            raw_all = []
        if isinstance(raw_all, str):
            raw_all = [raw_all]
        if not isinstance(raw_all, list):
            c.add(
                node,
                "all",
                f"{label}: 'all' must be a list whose entries are terms or [alternatives], got {_kind(raw_all)}",
            )
            raw_all = []
        for j, entry in enumerate(raw_all):
            if isinstance(entry, list):
                if not entry:
                    c.add(raw_all, j, f"{label} all: entry #{j + 1} is an empty list: add terms or remove it")
                    continue
                alt = self.term_list(raw_all, j, entry, f"{label} all")
            else:
                alt = tuple(self.term(raw_all, j, entry, f"{label} all"))
            if alt:
                all_.append(alt)
        near = self.near_list(node, label)
        fields = node.get("fields", list(FIELDS))
        if isinstance(fields, str):
            fields = [fields]
        if (
            not isinstance(fields, list)
            or not fields
            or not all(isinstance(f, str) and f in FIELDS for f in fields)
        ):
            c.add(
                node,
                "fields",
                f"{label}: 'fields' must be title, text or [title, text], got {fields!r}",
            )
            fields = list(FIELDS)
        lang = node.get("lang", [])
        if isinstance(lang, str):
            lang = [lang]
        if not isinstance(lang, list) or not all(isinstance(x, str) and LANG_RE.match(x) for x in lang):
            c.add(
                node, "lang", f"{label}: 'lang' must be a list of language codes like [en, es], got {lang!r}"
            )
            lang = []
        channel, webhook_env = self.destination(node, label)
        topic = self.topic(node, label, rid if ok else None, name)
        if not any_ and not all_ and not near:
            # not when terms failed (reported already) or a key is misspelt ('anny' is the real problem)
            if len(c.problems) == problems_before and not typo:
                c.add(
                    node,
                    None,
                    f"{label}: empty rule: give at least one term in 'any', 'all' or 'near' "
                    "(a rule with only 'none' can never fire)",
                )
            return None
        if ok and enabled is False and len(c.problems) == problems_before:
            self.disabled.append((rid, name.strip()))
        if not ok or enabled is False:
            return None
        return Rule(
            id=rid,
            name=name.strip(),
            any=any_,
            all=tuple(all_),
            none=none,
            near=tuple(near),
            fields=frozenset(fields),
            lang=tuple(lang),
            description=description,
            channel=channel,
            webhook_env=webhook_env,
            topic=topic,
        )

    def topic(self, node: Any, label: str, rid: str | None, name: Any) -> str | None:
        """`topic: <rule id>` (checked against the other rules in check_topics, once all are read). Routing
        belongs to the topic, so a rule with `topic:` takes no `channel` / `webhook_env` of its own."""
        c = self.check
        if "topic" not in node:
            return None
        target = node.get("topic")
        if not isinstance(target, str) or not ID_RE.match(target.strip()):
            c.add(
                node,
                "topic",
                f"{label}: 'topic' must be the id of another rule in this file, e.g. topic: counter_uas "
                f"(got {target!r})",
            )
            return None
        target = target.strip()
        for key in ("channel", "webhook_env"):
            if key in node:
                c.add(
                    node,
                    key,
                    f"{label}: '{key}' cannot be set on a rule with 'topic: {target}': its items go where "
                    f"topic '{target}' goes; set {key} on rule '{target}' instead (or remove 'topic:')",
                )
        if rid is not None and rid not in self.topic_refs:
            self.topic_refs[rid] = (node, target, name.strip() if isinstance(name, str) else rid)
        return target

    def destination(self, node: Any, label: str) -> tuple[str | None, str | None]:
        """`channel` (a Slack channel ID) and `webhook_env` (an env var NAME, never the secret URL itself)."""
        c = self.check
        channel = node.get("channel")
        if channel is not None:
            text = channel.strip() if isinstance(channel, str) else channel
            if not isinstance(text, str) or not CHANNEL_RE.match(text):
                if isinstance(text, str) and text.startswith("#"):
                    why = "that is the channel's name; "
                elif isinstance(text, str) and CHANNEL_RE.match(text.upper()):
                    why = "channel IDs are upper case; "
                else:
                    why = ""
                c.add(
                    node,
                    "channel",
                    f"{label}: 'channel' must be a Slack channel ID like C0123ABCD, got {channel!r}: {why}"
                    "find the ID at the bottom of the channel's details in Slack",
                )
                channel = None
            else:
                channel = text
        hook = node.get("webhook_env")
        if hook is not None:
            if isinstance(hook, str) and hook.strip().lower().startswith(("http:", "https:")):
                c.add(
                    node,
                    "webhook_env",
                    f"{label}: 'webhook_env' names an environment variable, not the URL: keep the webhook "
                    "URL secret in the environment (e.g. POLICY_WEBHOOK_URL=https://hooks...) and write "
                    "webhook_env: POLICY_WEBHOOK_URL",
                )
                hook = None
            elif not isinstance(hook, str) or not ENV_NAME_RE.match(hook.strip()):
                c.add(
                    node,
                    "webhook_env",
                    f"{label}: 'webhook_env' must be an environment variable name like POLICY_WEBHOOK_URL "
                    f"(letters, digits, '_'), got {hook!r}",
                )
                hook = None
            else:
                hook = hook.strip()
        return channel, hook

    def near_list(self, node: Any, label: str) -> list[Near]:
        c = self.check
        raw = node.get("near")
        if raw is None:
            return []
        if isinstance(raw, dict):
            raw = [raw]
        if not isinstance(raw, list):
            c.add(node, "near", f"{label}: 'near' must be a list of {{a: [...], b: [...], within: N}}")
            return []
        out: list[Near] = []
        for j, entry in enumerate(raw):
            if not isinstance(entry, dict):
                c.add(raw, j, f"{label} near: each entry must be a mapping {{a: [...], b: [...], within: N}}")
                continue
            for k in entry:
                if k not in NEAR_KEYS:
                    c.add(
                        entry,
                        k,
                        f"{label} near: unknown key '{k}': {_suggest(k, NEAR_KEYS)}allowed: a, b, within, order",
                    )
            missing = [k for k in ("a", "b") if k not in entry]
            if missing:
                c.add(
                    raw,
                    j,
                    f"{label} near: missing '{missing[0]}': write {{a: [terms], b: [terms], within: N}}",
                )
                continue
            within = entry.get("within", DEFAULT_WITHIN)
            if not isinstance(within, int) or isinstance(within, bool) or not 1 <= within <= MAX_WITHIN:
                c.add(
                    entry,
                    "within",
                    f"{label} near: 'within' must be a whole number of words from 1 to {MAX_WITHIN}, "
                    f"got {within!r}",
                )
                continue
            order = entry.get("order", "any")
            if order not in NEAR_ORDERS:
                c.add(
                    entry,
                    "order",
                    f"{label} near: 'order' must be one of {', '.join(NEAR_ORDERS)} (a-first: the term of a comes "
                    f"first), got {order!r}",
                )
                continue
            a = self.term_list(entry, "a", entry["a"], f"{label} near.a")
            b = self.term_list(entry, "b", entry["b"], f"{label} near.b")
            if a and b:
                out.append(Near(a, b, within, order))
        return out


def _line_of(seq: Any, index: int) -> int | None:
    try:
        return seq.lc.item(index)[0] + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return None


_YAML_HINTS = [
    ("'\\t'", "YAML does not allow tabs for indentation: indent with spaces"),
    ("expected ',' or ']'", "a [list] is not closed: add the missing ']' (quote terms that contain commas)"),
    ("expected ',' or '}'", "a {mapping} is not closed: add the missing '}'"),
    ("found duplicate key", "the same key appears twice in one mapping: merge the two or remove one"),
    ("scanning a quoted scalar", "a quote is not closed: add the missing quote"),
    (
        "mapping values are not allowed",
        "a value contains ': ' -- put that term in quotes, e.g. \"FPV: attack\"",
    ),
    ("undefined alias", "'*' starts a YAML alias: quote the term, or use \"@name\" for a group"),
    ("expected <block end>", "the indentation is inconsistent: line this up with the keys above it"),
    ("could not find expected ':'", "a line is missing its ':' or is indented wrongly"),
    ("found character '@'", "a term starting with '@' must be quoted: \"@drones\""),
    ("found character '`'", "'`' cannot start a YAML value: quote the term"),
]


def load_yaml_with_hints(path: Path | str) -> Any:
    """Parse keywords.yaml keeping positions; YAML syntax errors become a Problem with a hint."""
    return load_yaml(
        path,
        not_found="file not found: create it (see docs/rules.md) or pass --rules",
        cannot_read="cannot read the file",
        hints=_YAML_HINTS,
    )


def parse_yaml_text(text: str, path: str) -> Any:
    return _parse_yaml_text(text, path, _YAML_HINTS)


def parse_rules(data: Any, path: Path | str = "<keywords.yaml>") -> RuleSet:
    rs = _Parser(path).parse(data)
    rs.path = str(path)
    return rs


def parse_rules_text(text: str, path: Path | str = "<keywords.yaml>") -> RuleSet:
    return parse_rules(parse_yaml_text(text, str(path)), path)


def load_rules(path: Path | str) -> RuleSet:
    """Load and validate keywords.yaml; raises ConfigError listing every problem."""
    return parse_rules(load_yaml_with_hints(path), path)


__all__ = [
    "ConfigError",
    "Near",
    "Rule",
    "RuleSet",
    "Term",
    "load_rules",
    "parse_rules",
    "parse_rules_text",
]
