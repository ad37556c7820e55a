"""One-pass matching of every rule over a document.

All variants of all terms of all rules are compiled into one Aho-Corasick automaton (pyahocorasick) over
token strings (see textnorm). A document's title and text are folded and tokenised once into

    " title tokens | text tokens "

and the automaton runs over it once. Keys are framed by spaces (" counter uas "), so every hit is a whole
word or phrase, and the "|" separator (never part of a key) keeps a phrase from spanning title and text.
Case-sensitive terms (acronyms: {term: UAS, case: true}) share the automaton through their lower-cased key
and are confirmed against the cased token string at the hit's offset.

Rules are then evaluated only when one of their positive terms was hit, so the cost per document is one
scan plus work proportional to the hits -- nearly flat in the number of terms and rules. Token positions
(for `near`) and snippets are computed lazily, only for the rules that need them.

Semantics worth knowing (README, "keywords.yaml"):
- `near` counts words in one stream: the title followed by the text. Distance is the number of token
  steps from the end of one hit to the start of the other (adjacent words: 1), so "cartel within 12 words
  of drone" fires when "drone" is among the 12 words after or before "cartel". A rule limited to one field
  only looks at that field.
- plurals: the last word takes -s/-es (-ies after a consonant + y, -ces for -z), and a phrase also
  matches with its first word or every word made plural Spanish-style (dron kamikaze -> drones kamikaze,
  dron explosivo -> drones explosivos, ataque con dron -> ataques con drones); short words and
  articles/prepositions stay as they are. Write terms in the singular.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

import ahocorasick

from borderwatch.records import RuleMatch

from .rules import Rule, RuleSet, Term
from .textnorm import normalize, term_tokens, token_spans

# Words that stay singular in the all-words plural of a phrase (articles, prepositions, conjunctions).
STOPWORDS = frozenset(
    "a al and at by con de del e el en for in la las los o of on or para por the to u with y".split()
)
SEP = "|"
SNIPPET_WIDTH = 240
# A sentence ends at . ! ? … (plus closing quotes) and whitespace, or at a line break; "U.S." does not end one.
SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?…][\"'”’)\]]*\s+|\n\s*")


# -- term compilation --------------------------------------------------------------------------------
def _last_plurals(word: str, case: bool) -> list[str]:
    if len(word) < 3 or not word.isalpha():
        return []
    if case:
        return [word + "s"]
    out = [word + "s"]
    if not word.endswith("s"):
        out.append(word + "es")
    if word.endswith("y") and word[-2] not in "aeiou":
        out.append(word[:-1] + "ies")
    if word.endswith("z"):
        out.append(word[:-1] + "ces")
    return out


def _spanish_plural(word: str, case: bool) -> str:
    if len(word) < 3 or not word.isalpha() or word.lower() in STOPWORDS:
        return word
    if case or word[-1] in "aeiouAEIOU":
        return word + "s"
    if word[-1] in "sx":
        return word
    if word[-1] == "z":
        return word[:-1] + "ces"
    return word + "es"


def term_forms(term: Term) -> set[str]:
    """Every token-string form a term matches, case kept for case-sensitive terms ("counter uas", ...)."""
    toks = term_tokens(term.text)
    if not toks:
        return set()
    if not term.case:
        toks = [t.lower() for t in toks]
    shapes = {tuple(toks)}
    if term.plural:
        for p in _last_plurals(toks[-1], term.case):
            shapes.add((*toks[:-1], p))
        if len(toks) > 1:
            shapes.add((_spanish_plural(toks[0], term.case), *toks[1:]))
            shapes.add(tuple(_spanish_plural(t, term.case) for t in toks))
    forms = set()
    for shape in shapes:
        forms.add(" ".join(shape))
        if len(shape) > 1:
            forms.add("".join(shape))
    return forms


# -- compiled rules ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Compiled:
    rule: Rule
    any: tuple[int, ...]
    all: tuple[tuple[int, ...], ...]
    near: tuple[tuple[tuple[int, ...], tuple[int, ...], int], ...]
    none: tuple[int, ...]
    title: bool
    text: bool


@dataclass(frozen=True)
class TermHit:
    """Where one matched term occurred first, for `rules test`."""

    term: str
    field: str
    count: int
    snippet: str


@dataclass(frozen=True)
class MatchDetail:
    match: RuleMatch
    hits: tuple[TermHit, ...]


@dataclass(frozen=True)
class Explanation:
    rule: str
    fired: bool
    reason: str


class Doc:
    """One scanned document: the hits per term and what is needed to turn them into positions/snippets."""

    def __init__(self, title: str, text: str, cased: str, sep: int, title_tokens: int):
        self.title = title
        self.text = text
        self.cased = cased
        self.sep = sep
        self.title_tokens = title_tokens
        self.hits: dict[int, list[tuple[int, int]]] = {}  # term id -> [(char offset of key, tokens)]
        self._spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}

    # presence ---------------------------------------------------------------
    def found(self, tid: int, title: bool = True, text: bool = True) -> bool:
        occ = self.hits.get(tid)
        if not occ:
            return False
        if title and text:
            return True
        sep = self.sep
        return any((p < sep) == title for p, _ in occ)

    def count(self, tid: int) -> int:
        return len(self.hits.get(tid, ()))

    # positions ---------------------------------------------------------------
    def local(self, p: int) -> tuple[str, int]:
        """(field, token index within the field) of the hit whose key starts at char offset p."""
        if p < self.sep:
            return "title", self.cased.count(" ", 0, p + 1) - 1
        return "text", self.cased.count(" ", self.sep + 1, p + 1) - 1

    def stream(self, tid: int, title: bool, text: bool) -> list[tuple[int, int]]:
        """Sorted (first token, last token) of a term's hits in the title+text word stream."""
        out = []
        for p, n in self.hits.get(tid, ()):
            fld, i = self.local(p)
            if fld == "title" and not title or fld == "text" and not text:
                continue
            start = i if fld == "title" else self.title_tokens + i
            out.append((start, start + n - 1))
        return out

    def char_span(self, fld: str, first: int, last: int) -> tuple[str, int, int] | None:
        """(display text, start, end) covering tokens first..last of a field."""
        if fld not in self._spans:
            self._spans[fld] = token_spans(self.title if fld == "title" else self.text)
        shown, spans = self._spans[fld]
        if not spans or first >= len(spans):
            return None
        last = min(last, len(spans) - 1)
        return shown, spans[first][0], spans[last][1]

    def stream_to_field(self, i: int) -> tuple[str, int]:
        if i < self.title_tokens:
            return "title", i
        return "text", i - self.title_tokens


class Matcher:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._ids: dict[Term, int] = {}
        self._terms: list[Term] = []
        keys: dict[str, list[tuple[int, str | None, int]]] = defaultdict(list)
        same: dict[tuple[frozenset[str], bool], int] = {}  # "cartel" and "cártel" are one term
        for rule in ruleset.rules:
            for t in rule.terms():
                if t in self._ids:
                    continue
                forms = term_forms(t)
                sig = (frozenset(forms), t.case)
                if sig in same:
                    self._ids[t] = same[sig]
                    continue
                tid = self._ids[t] = same[sig] = len(self._terms)
                self._terms.append(t)
                for form in forms:
                    keys[f" {form.lower()} "].append(
                        (tid, f" {form} " if t.case else None, form.count(" ") + 1)
                    )
        self._auto = None
        if keys:
            self._auto = ahocorasick.Automaton()
            for key, vals in keys.items():
                self._auto.add_word(key, (len(key), tuple(vals)))
            self._auto.make_automaton()
        self._compiled: list[_Compiled] = []
        by_tid: dict[int, set[int]] = defaultdict(set)
        ids = self._ids
        for ri, r in enumerate(ruleset.rules):
            c = _Compiled(
                rule=r,
                any=_uniq(ids[t] for t in r.any),
                all=tuple(_uniq(ids[t] for t in alt) for alt in r.all),
                near=tuple(
                    (_uniq(ids[t] for t in n.a), _uniq(ids[t] for t in n.b), n.within) for n in r.near
                ),
                none=_uniq(ids[t] for t in r.none),
                title="title" in r.fields,
                text="text" in r.fields,
            )
            self._compiled.append(c)
            for t in r.positive_terms():
                by_tid[ids[t]].add(ri)
        self._rules_by_tid = {tid: tuple(sorted(ris)) for tid, ris in by_tid.items()}

    @property
    def term_count(self) -> int:
        return len(self._terms)

    @property
    def key_count(self) -> int:
        return len(self._auto) if self._auto is not None else 0

    # -- scanning --------------------------------------------------------------
    def scan(self, title: str, text: str) -> Doc:
        title = title or ""
        text = text or ""
        t = normalize(title, lower=False)
        cased = t + SEP + normalize(text, lower=False)
        doc = Doc(title, text, cased, len(t), t.count(" ") - 1)
        if self._auto is None:
            return doc
        low = cased.lower()
        if len(low) != len(cased):  # not reachable after fold(); kept so offsets can never drift
            low = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in cased)
        hits = doc.hits
        for end, (length, vals) in self._auto.iter(low):
            start = end - length + 1
            for tid, need, ntok in vals:
                if need is not None and cased[start : end + 1] != need:
                    continue
                occ = hits.get(tid)
                if occ is None:
                    hits[tid] = [(start, ntok)]
                else:
                    occ.append((start, ntok))
        return doc

    # -- evaluation --------------------------------------------------------------
    def _near(self, doc: Doc, c: _Compiled, a: tuple[int, ...], b: tuple[int, ...], within: int):
        """Best (a tid, b tid, a span, b span, distance) for a near clause, or None if a group is absent."""
        pa = [(s, tid) for tid in a for s in doc.stream(tid, c.title, c.text)]
        pb = [(s, tid) for tid in b for s in doc.stream(tid, c.title, c.text)]
        if not pa or not pb:
            return None
        best = None
        pb.sort()
        for (sa, ea), ta in pa:
            for (sb, eb), tb in pb:
                d = max(sb - ea, sa - eb, 0)
                if best is None or d < best[4]:
                    best = (ta, tb, (sa, ea), (sb, eb), d)
                    if d <= 1:
                        return best
        return best

    def _evaluate(self, doc: Doc, c: _Compiled) -> tuple[list[int] | None, str, list]:
        """(matched term ids, '', near anchors) if the rule fires, else (None, why not, [])."""
        ti, tx = c.title, c.text
        tids: list[int] = []
        where = "" if ti and tx else (" (in the title)" if ti else " (in the text)")
        if c.any:
            got = [t for t in c.any if doc.found(t, ti, tx)]
            if not got:
                return None, f"any: none of {_names(self._terms, c.any)} found{where}", []
            tids += got
        for j, alt in enumerate(c.all):
            got = [t for t in alt if doc.found(t, ti, tx)]
            if not got:
                label = f"entry #{j + 1} " if len(c.all) > 1 else ""
                return None, f"all: {label}missing: none of {_names(self._terms, alt)} found{where}", []
            tids += got
        anchors = []
        for a, b, within in c.near:
            best = self._near(doc, c, a, b, within)
            if best is None:
                missing = a if not any(doc.found(t, ti, tx) for t in a) else b
                return None, f"near: no term of {_names(self._terms, missing)} found{where}", []
            ta, tb, sa, sb, d = best
            if d > within:
                return (
                    None,
                    f"near: closest pair '{self._terms[ta].text}' / '{self._terms[tb].text}' is {d} words apart; "
                    f"needs {within} or fewer",
                    [],
                )
            tids += [ta, tb]
            anchors.append((min(sa[0], sb[0]), max(sa[1], sb[1])))
        vetoes = [t for t in c.none if doc.found(t, ti, tx)]
        if vetoes:
            return None, "none: vetoed by " + ", ".join(f"'{self._terms[t].text}'" for t in vetoes), []
        return list(dict.fromkeys(tids)), "", anchors

    def _candidates(self, doc: Doc) -> list[int]:
        by = self._rules_by_tid
        cand: set[int] = set()
        for tid in doc.hits:
            ris = by.get(tid)
            if ris:
                cand.update(ris)
        return sorted(cand)

    def match(self, title: str, text: str) -> list[RuleMatch]:
        return [d.match for d in self._match(title, text, details=False)]

    def match_details(self, title: str, text: str) -> list[MatchDetail]:
        """Like match(), plus where each matched term occurred and a snippet around it."""
        return self._match(title, text, details=True)

    def fired_ids(self, title: str, text: str) -> list[str]:
        """Just the ids of the rules that fire (no snippets): the fast path for replay and benchmarks."""
        doc = self.scan(title, text)
        out = []
        for ri in self._candidates(doc):
            c = self._compiled[ri]
            if self._evaluate(doc, c)[0] is not None:
                out.append(c.rule.id)
        return out

    def _match(self, title: str, text: str, details: bool) -> list[MatchDetail]:
        doc = self.scan(title, text)
        if not doc.hits:
            return []
        out = []
        for ri in self._candidates(doc):
            c = self._compiled[ri]
            tids, _, anchors = self._evaluate(doc, c)
            if tids is None:
                continue
            terms = tuple(self._terms[t].text for t in tids)
            m = RuleMatch(c.rule.id, terms, self._rule_snippet(doc, c, tids, anchors))
            hits: tuple[TermHit, ...] = ()
            if details:
                hits = tuple(self._term_hit(doc, c, t) for t in tids)
            out.append(MatchDetail(m, hits))
        return out

    def explain(self, title: str, text: str) -> list[Explanation]:
        doc = self.scan(title, text)
        out = []
        for c in self._compiled:
            tids, reason, _ = self._evaluate(doc, c)
            out.append(Explanation(c.rule.id, tids is not None, reason))
        return out

    # -- snippets ----------------------------------------------------------------
    def _first(self, doc: Doc, c: _Compiled, tid: int) -> tuple[str, int, int] | None:
        """(field, first token, last token) of a term's first hit, preferring the text."""
        best = None
        for p, n in doc.hits.get(tid, ()):
            fld, i = doc.local(p)
            if fld == "title" and not c.title or fld == "text" and not c.text:
                continue
            key = (fld != "text", i)
            if best is None or key < best[0]:
                best = (key, (fld, i, i + n - 1))
        return best[1] if best else None

    def _rule_snippet(self, doc: Doc, c: _Compiled, tids: list[int], anchors: list) -> str:
        if anchors:
            first, last = anchors[0]
            f1, i1 = doc.stream_to_field(first)
            f2, i2 = doc.stream_to_field(last)
            if f1 == f2 == "text":
                span = doc.char_span("text", i1, i2)
                if span:
                    return snippet(*span)
            if f2 == "text":
                span = doc.char_span("text", i2, i2)
                if span:
                    return snippet(*span)
        firsts = [h for h in (self._first(doc, c, t) for t in tids) if h]
        in_text = sorted((i, j) for fld, i, j in firsts if fld == "text")
        if in_text:
            span = doc.char_span("text", *in_text[0])
            if span:
                return snippet(*span)
        return lead(doc.text) or " ".join(doc.title.split())[:SNIPPET_WIDTH]

    def _term_hit(self, doc: Doc, c: _Compiled, tid: int) -> TermHit:
        term = self._terms[tid].text
        first = self._first(doc, c, tid)
        if first is None:
            return TermHit(term, "", 0, "")
        fld, i, j = first
        span = doc.char_span(fld, i, j)
        return TermHit(term, fld, doc.count(tid), snippet(*span, width=160, mark=True) if span else "")


def _uniq(tids) -> tuple[int, ...]:
    return tuple(dict.fromkeys(tids))


def _names(terms: list[Term], tids: tuple[int, ...], limit: int = 6) -> str:
    names = [terms[t].text for t in tids[:limit]]
    more = f" (+{len(tids) - limit} more)" if len(tids) > limit else ""
    return ", ".join(names) + more


def lead(text: str, width: int = SNIPPET_WIDTH) -> str:
    """The first sentence(s) of a text, up to width characters."""
    text = (text or "").strip()
    if not text:
        return ""
    return snippet(text, 0, 0, width)


def snippet(text: str, start: int, end: int, width: int = SNIPPET_WIDTH, mark: bool = False) -> str:
    """The sentence around text[start:end], trimmed at word boundaries to about `width` characters.

    The hit always stays inside; '…' marks a cut that is not a sentence boundary.
    """
    n = len(text)
    lo = max(0, start - width)
    left = lo
    for m in SENTENCE_END.finditer(text, lo, start):
        left = m.end()
    if left == lo and lo > 0 or start - left > width // 2:  # no sentence start close by: cut in the sentence
        left = max(left, start - width // 3)
        sp = text.rfind(" ", left - 20 if left > 20 else 0, left)
        left = sp + 1 if sp >= 0 and not text[left - 1 : left].isspace() else left
    m = SENTENCE_END.search(text, end)
    right = m.start() + 1 if m else n
    if right - left > width:
        cut = max(end, left + width)
        sp = text.rfind(" ", end, cut)
        right = sp if sp >= end else min(n, cut)
    if mark and start < end:
        out = " ".join(f"{text[left:start]}[{text[start:end]}]{text[end:right]}".split())
    else:
        out = " ".join(text[left:right].split())
    if left > 0 and not _sentence_start(text, left):
        out = "…" + out
    if right < n and not out.endswith((".", "!", "?", "…", '"', "”")):
        out += "…"
    return out


def _sentence_start(text: str, i: int) -> bool:
    before = text[:i].rstrip()
    return not before or before[-1] in '.!?…\n"”)'


__all__ = ["Doc", "Explanation", "MatchDetail", "Matcher", "TermHit", "lead", "snippet", "term_forms"]
