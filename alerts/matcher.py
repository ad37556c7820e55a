"""One-pass matching of every rule over a document.

All terms of all rules are compiled into one Aho-Corasick automaton (pyahocorasick) over token strings
(see textnorm). A document is folded and tokenised once, the automaton is run once per field, and then
each rule's clauses (any / all / none / near) are evaluated on the set of terms found.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import ahocorasick

from borderwatch.records import RuleMatch

from .rules import Rule, RuleSet, Term
from .textnorm import WORD, fold, term_tokens


def _variants(term: Term) -> set[str]:
    """Token-string keys for a term: the phrase, its joined form, and plural forms of the last word."""
    toks = term_tokens(term.text)
    if not term.case:
        toks = [t.lower() for t in toks]
    forms = {" ".join(toks)}
    if len(toks) > 1:
        forms.add("".join(toks))
    if term.plural and not term.case and toks[-1].isalpha() and len(toks[-1]) >= 3:
        for base in list(forms):
            forms.add(base + "s")
            if not base.endswith("s"):
                forms.add(base + "es")
    return {f" {f} " for f in forms}


@dataclass
class Hits:
    """Where each term id occurred: field -> term id -> token indexes."""

    pos: dict[str, dict[int, list[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )

    def found(self, tid: int, fields: frozenset[str]) -> bool:
        return any(tid in self.pos.get(f, {}) for f in fields)

    def positions(self, tid: int, fld: str) -> list[int]:
        return self.pos.get(fld, {}).get(tid, [])


@dataclass(frozen=True)
class Explanation:
    rule: str
    fired: bool
    reason: str


class Matcher:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._ids: dict[Term, int] = {}
        self._terms: list[Term] = []
        folded: dict[str, set[int]] = defaultdict(set)
        cased: dict[str, set[int]] = defaultdict(set)
        for rule in ruleset.rules:
            for t in rule.terms():
                if t in self._ids:
                    continue
                tid = self._ids[t] = len(self._terms)
                self._terms.append(t)
                for key in _variants(t):
                    (cased if t.case else folded)[key].add(tid)
        self._folded = self._automaton(folded)
        self._cased = self._automaton(cased)

    @staticmethod
    def _automaton(keys: dict[str, set[int]]):
        if not keys:
            return None
        auto = ahocorasick.Automaton()
        for key, tids in keys.items():
            auto.add_word(key, (len(key), tuple(sorted(tids))))
        auto.make_automaton()
        return auto

    @property
    def term_count(self) -> int:
        return len(self._terms)

    # -- scanning ----------------------------------------------------------
    def _scan(self, text: str, fld: str, hits: Hits) -> None:
        if not text:
            return
        cased = " " + " ".join(WORD.findall(fold(text))) + " "
        for auto, s in ((self._folded, cased.lower()), (self._cased, cased)):
            if auto is None:
                continue
            found = list(auto.iter(s))
            if not found:
                continue
            for end, (length, tids) in found:
                tok = s.count(" ", 0, end - length + 1)  # index of the first token of the hit
                for tid in tids:
                    hits.pos[fld][tid].append(tok)

    def scan(self, title: str, text: str) -> Hits:
        hits = Hits()
        self._scan(title or "", "title", hits)
        self._scan(text or "", "text", hits)
        return hits

    # -- rule evaluation ---------------------------------------------------
    def _any_found(self, terms, fields, hits) -> list[Term]:
        return [t for t in terms if hits.found(self._ids[t], fields)]

    def _near_ok(self, near, fields, hits) -> list[Term] | None:
        for fld in fields:
            pa = sorted(p for t in near.a for p in hits.positions(self._ids[t], fld))
            pb = sorted(p for t in near.b for p in hits.positions(self._ids[t], fld))
            if not pa or not pb:
                continue
            for p in pa:
                i = bisect.bisect_left(pb, p - near.within)
                if i < len(pb) and abs(pb[i] - p) <= near.within:
                    ta = next(t for t in near.a if p in hits.positions(self._ids[t], fld))
                    tb = next(t for t in near.b if pb[i] in hits.positions(self._ids[t], fld))
                    return [ta, tb]
        return None

    def evaluate(self, rule: Rule, hits: Hits) -> tuple[list[Term] | None, str]:
        """(matched terms, '') if the rule fires, else (None, reason the rule did not fire)."""
        f = rule.fields
        terms: list[Term] = []
        if rule.any:
            got = self._any_found(rule.any, f, hits)
            if not got:
                return None, "any: none of " + ", ".join(t.text for t in rule.any[:6]) + (
                    " ..." if len(rule.any) > 6 else ""
                )
            terms += got
        for alt in rule.all:
            got = self._any_found(alt, f, hits)
            if not got:
                return None, "all: missing " + " / ".join(t.text for t in alt[:6])
            terms += got
        for near in rule.near:
            got = self._near_ok(near, f, hits)
            if got is None:
                return None, (
                    f"near: no '{near.a[0].text}'-group term within {near.within} words of a '{near.b[0].text}'-group term"
                )
            terms += got
        vetoes = self._any_found(rule.none, f, hits)
        if vetoes:
            return None, "none: vetoed by " + ", ".join(t.text for t in vetoes)
        return list(dict.fromkeys(terms)), ""

    def match(self, title: str, text: str) -> list[RuleMatch]:
        hits = self.scan(title, text)
        if not hits.pos:
            return []
        out = []
        for rule in self.ruleset.rules:
            terms, _ = self.evaluate(rule, hits)
            if terms:
                out.append(
                    RuleMatch(
                        rule.id, tuple(t.text for t in terms), snippet(title, text, hits, self._ids, terms)
                    )
                )
        return out

    def explain(self, title: str, text: str) -> list[Explanation]:
        hits = self.scan(title, text)
        out = []
        for rule in self.ruleset.rules:
            terms, reason = self.evaluate(rule, hits)
            out.append(Explanation(rule.id, terms is not None, reason))
        return out


def snippet(
    title: str, text: str, hits: Hits, ids: dict[Term, int], terms: list[Term], width: int = 240
) -> str:
    """One or two sentences of the text around the earliest hit of the matched terms (title if only there)."""
    positions = [p for t in terms for p in hits.positions(ids[t], "text")]
    if not positions:
        return (title or "").strip()[:width]
    tok = min(positions)
    folded = fold(text)
    if len(folded) != len(text):  # offsets only line up when folding kept the length
        text = folded
    m = next(itertools.islice(WORD.finditer(folded), tok, None), None)
    if m is None:
        return text[:width]
    start, end = m.start(), m.end()
    # widen to sentence boundaries, bounded by width
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start))
    left = left + 1 if left >= 0 and start - left < width else max(0, start - width // 2)
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end)) if i >= 0]
    right = min(right_candidates) + 1 if right_candidates else len(text)
    if right - left > width:
        right = min(len(text), max(end, left + width))
    out = " ".join(text[left:right].split())
    prefix = "…" if left > 0 and text[left - 1 : left] not in ("\n", ".", " ") else ""
    suffix = "…" if right < len(text) and not out.endswith(".") else ""
    return prefix + out + suffix
