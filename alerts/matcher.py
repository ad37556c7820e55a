"""One-pass matching of every rule over a document.

All variants of all terms of all rules are compiled into one Aho-Corasick automaton (ahocorasick-rs, over
bytes) over token strings (see textnorm). A document's title and text are folded and tokenised once into

    " title tokens | text tokens "

and the automaton runs over it once. Keys are framed by spaces (" counter uas "), so every hit is a whole
word or phrase, and the "|" separator (never part of a key) keeps a phrase from spanning title and text.
Case-sensitive terms (acronyms: {term: UAS, case: true}) share the automaton through their lower-cased key
and are confirmed against the cased token string at the hit's offset.

Rules are then evaluated only when one of their positive terms was hit, so the cost per document is one
scan plus work proportional to the hits -- nearly flat in the number of terms and rules. Token positions
(for `near`) and snippets are computed lazily, only for the rules that need them.

Semantics worth knowing (docs/rules.md):
- `near` counts words in one stream: the title followed by the text. Distance is the number of token
  steps from the end of one hit to the start of the other (adjacent words: 1), so "cartel within 12 words
  of drone" fires when "drone" is among the 12 words after or before "cartel". A rule limited to one field
  only looks at that field.
- plurals: the last word takes -s/-es (-ies after a consonant + y, -ces for -z), and a phrase also
  matches with its first word or every word made plural Spanish-style (dron kamikaze -> drones kamikaze,
  dron explosivo -> drones explosivos, ataque con dron -> ataques con drones), or with the words before its first
  preposition made plural (aeronave pilotada a distancia -> aeronaves pilotadas a distancia, port of entry ->
  ports of entry); short words and articles/prepositions stay as they are. Write terms in the singular.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick_rs

from borderwatch.language import allows as lang_allows
from borderwatch.records import RuleMatch

from .rules import Rule, RuleSet, Term
from .textnorm import lower_bytes, normalize_bytes, term_tokens, token_spans

# Words that stay singular in the all-words plural of a phrase (articles, prepositions, conjunctions).
STOPWORDS = frozenset(
    "a al and at by con de del e el en for in la las los o of on or para por the to u with y".split()
)
# Prepositions that also stay singular, and where the head of a phrase ends ("aeronave pilotada a distancia",
# "artefacto explosivo lanzado desde el aire", "port of entry"): kept out of STOPWORDS, which tagging shares.
PREPOSITIONS = frozenset("contra desde entre hacia hasta sin sobre against from into over under".split())
_KEEP = STOPWORDS | PREPOSITIONS
SEP = "|"
_SEP_B = SEP.encode()
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
    if len(word) < 3 or not word.isalpha() or word.lower() in _KEEP:
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
            # the head before the first preposition made plural, the rest kept: "aeronaves pilotadas a
            # distancia", "artefactos explosivos lanzados desde el aire" (Spanish), "ports of entry" (English)
            cut = next((i for i, t in enumerate(toks) if i and t.lower() in _KEEP), None)
            if cut is not None:
                shapes.add((*(_spanish_plural(t, term.case) for t in toks[:cut]), *toks[cut:]))
                for p in _last_plurals(toks[cut - 1], term.case):
                    shapes.add((*toks[: cut - 1], p, *toks[cut:]))
    forms = set()
    for shape in shapes:
        forms.add(" ".join(shape))
        if len(shape) > 1:
            forms.add("".join(shape))
    return forms


@lru_cache(maxsize=4096)
def term_keys(term: Term) -> frozenset[str]:
    """A term's forms framed by spaces (" counter uas "), so that in a token string a key only ever matches a
    whole word or phrase; case kept for case-sensitive terms. The matcher and the digest snippet both look
    terms up by these keys, so a term the matcher found is found in the snippet too."""
    return frozenset(f" {f} " for f in term_forms(term))


def key_table(terms: list[Term]) -> dict[str, list[tuple[int, str | None, int]]]:
    """Lower-cased key -> [(term id = index in `terms`, cased key to confirm or None, tokens in the key)]."""
    keys: dict[str, list[tuple[int, str | None, int]]] = defaultdict(list)
    for tid, t in enumerate(terms):
        for key in term_keys(t):
            keys[key.lower()].append((tid, key if t.case else None, key.count(" ") - 1))
    return keys


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
    # every clause that needs a hit: the any list, each all entry, each side of each near pair
    required: tuple[frozenset[int], ...] = ()
    # only any/all over both fields, no veto: fires exactly when possible() -- no positions needed
    simple: bool = False

    def possible(self, hit: set[int]) -> bool:
        """Cheap pre-check (set operations in C): does every required clause have a hit at all?"""
        return all(not group.isdisjoint(hit) for group in self.required)


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
    topic: str | None = None  # the rule's `topic:`, when it catches another rule's topic


class Doc:
    """One scanned document: where each term occurred, as token positions in the title+text word stream.

    Stream position i is the i-th word of the title followed by the text (title words first), which is
    what `near` measures; a position below title_tokens is in the title.
    """

    def __init__(self, title: str, text: str, title_tokens: int):
        self.title = title
        self.text = text
        self.title_tokens = title_tokens
        self.hits: dict[int, list[tuple[int, int]]] = {}  # term id -> [(first token, number of tokens)]
        self._spans: dict[str, tuple[str, list[tuple[int, int]]]] = {}

    def found(self, tid: int, title: bool = True, text: bool = True) -> bool:
        occ = self.hits.get(tid)
        if not occ:
            return False
        if title and text:
            return True
        tt = self.title_tokens
        return any((i < tt) == title for i, _ in occ)

    def count(self, tid: int) -> int:
        return len(self.hits.get(tid, ()))

    def stream(self, tid: int, title: bool, text: bool) -> list[tuple[int, int]]:
        """(first token, last token) of a term's hits in the title+text stream, in order."""
        occ = self.hits.get(tid, ())
        if title and text:
            return [(i, i + n - 1) for i, n in occ]
        tt = self.title_tokens
        return [(i, i + n - 1) for i, n in occ if (i < tt) == title]

    def stream_to_field(self, i: int) -> tuple[str, int]:
        if i < self.title_tokens:
            return "title", i
        return "text", i - self.title_tokens

    def char_span(self, fld: str, first: int, last: int) -> tuple[str, int, int] | None:
        """(display text, start, end) covering tokens first..last of a field."""
        if fld not in self._spans:
            self._spans[fld] = token_spans(self.title if fld == "title" else self.text)
        shown, spans = self._spans[fld]
        if not spans or first >= len(spans):
            return None
        last = min(last, len(spans) - 1)
        return shown, spans[first][0], spans[last][1]


class Matcher:
    def __init__(self, ruleset: RuleSet):
        self.ruleset = ruleset
        self._ids: dict[Term, int] = {}
        self._terms: list[Term] = []
        same: dict[tuple[frozenset[str], bool], int] = {}  # "cartel" and "cártel" are one term
        for rule in ruleset.rules:
            for t in rule.terms():
                if t in self._ids:
                    continue
                sig = (term_keys(t), t.case)
                if sig in same:
                    self._ids[t] = same[sig]
                    continue
                self._ids[t] = same[sig] = len(self._terms)
                self._terms.append(t)
        keys = key_table(self._terms)
        self._auto = None
        # pattern i of the automaton -> (term id, tokens, None) for the common case of one case-insensitive
        # term behind a key, else (-1, 0, ((term id, cased key bytes or None, tokens), ...))
        self._entries: list[tuple] = []
        if keys:
            patterns = []
            for key, vals in keys.items():
                patterns.append(key.encode("utf-8", "surrogatepass"))
                if len(vals) == 1 and vals[0][1] is None:
                    self._entries.append((vals[0][0], vals[0][2], None))
                else:
                    self._entries.append(
                        (
                            -1,
                            0,
                            tuple(
                                (tid, None if need is None else need.encode("utf-8", "surrogatepass"), n)
                                for tid, need, n in vals
                            ),
                        )
                    )
            self._auto = ahocorasick_rs.BytesAhoCorasick(
                patterns, matchkind=ahocorasick_rs.MATCHKIND_STANDARD
            )
        self._compiled: list[_Compiled] = []
        by_tid: dict[int, set[int]] = defaultdict(set)
        ids = self._ids
        for ri, r in enumerate(ruleset.rules):
            c = _Compiled(
                rule=r,
                any=_uniq(ids[t] for t in r.any),
                all=tuple(_uniq(ids[t] for t in alt) for alt in r.all),
                near=tuple(
                    (_uniq(ids[t] for t in n.a), _uniq(ids[t] for t in n.b), n.within, n.order)
                    for n in r.near
                ),
                none=_uniq(ids[t] for t in r.none),
                title="title" in r.fields,
                text="text" in r.fields,
                simple=not r.near and not r.none and "title" in r.fields and "text" in r.fields,
                required=tuple(
                    frozenset(ids[t] for t in group)
                    for group in ([r.any] if r.any else [])
                    + list(r.all)
                    + [g for n in r.near for g in (n.a, n.b)]
                ),
            )
            self._compiled.append(c)
            for t in r.positive_terms():
                by_tid[ids[t]].add(ri)
        self._rules_by_tid = {tid: tuple(sorted(ris)) for tid, ris in by_tid.items()}
        # digest topic -> its priority (the topic's own rule's place among the topics); a rule with `topic:`
        # files under that rule and takes its place, wherever it sits in the file
        self._topic_rank = {r.id: i for i, r in enumerate(ruleset.topics)}

    @property
    def term_count(self) -> int:
        return len(self._terms)

    @property
    def key_count(self) -> int:
        return len(self._entries)

    # -- scanning --------------------------------------------------------------
    def scan(self, title: str, text: str) -> Doc:
        """One automaton pass over " title | text ": every hit with its token position.

        The automaton runs over the UTF-8 bytes of the lower-cased token string (textnorm.normalize_bytes,
        lower_bytes: byte for byte aligned with the cased one). Overlapping hits come in order of their end
        offset, so the token position is kept by counting the spaces since the previous hit (bytes.count,
        C speed): the whole document is counted about once.
        """
        title = title or ""
        text = text or ""
        t = normalize_bytes(title)
        cased = t + _SEP_B + normalize_bytes(text)
        tt = t.count(b" ") - 1
        doc = Doc(title, text, tt)
        if self._auto is None:
            return doc
        low = lower_bytes(cased)
        sep = len(t)
        hits = doc.hits
        entries = self._entries
        spaces, upto = 0, 0  # spaces in low[:upto]
        for pi, start, end in self._auto.find_matches_as_indexes(low, overlapping=True):
            if end > upto:
                spaces += low.count(b" ", upto, end)
                upto = end
            tid, ntok, vals = entries[pi]
            if vals is None:  # the common case: one case-insensitive term behind this key
                # spaces up to the key's closing space, minus its own (ntok + 1), = tokens before it;
                # text tokens sit one further on, behind the "|" separator
                i = spaces - ntok - 1 - (start > sep)
                occ = hits.get(tid)
                if occ is None:
                    hits[tid] = [(i, ntok)]
                else:
                    occ.append((i, ntok))
                continue
            for tid2, need, ntok2 in vals:
                if need is not None and cased[start:end] != need:
                    continue
                i = spaces - ntok2 - 1 - (start > sep)
                occ = hits.get(tid2)
                if occ is None:
                    hits[tid2] = [(i, ntok2)]
                else:
                    occ.append((i, ntok2))
        return doc

    # -- evaluation --------------------------------------------------------------
    def _near(
        self, doc: Doc, c: _Compiled, a: tuple[int, ...], b: tuple[int, ...], within: int, order: str = "any"
    ):
        """Closest (a tid, b tid, a span, b span, distance) for a near clause, or None if a group is absent
        (or, with an order, if no pair comes in that order).

        Distance of spans (sa, ea), (sb, eb) = max(sb - ea, sa - eb, 0). With b sorted by start, the best b
        at or after sa is the first one (distance sb - ea); among those before sa, the one ending last
        (a running maximum of ends). O((|a| + |b|) log |b|). With order "a-first" only b's starting at or
        after sa count; "b-first" is "a-first" with the groups swapped.
        """
        if order == "b-first":
            best = self._near(doc, c, b, a, within, "a-first")
            return None if best is None else (best[1], best[0], best[3], best[2], best[4])
        ordered = order == "a-first"
        hits = doc.hits
        a = [t for t in a if t in hits]
        b = [t for t in b if t in hits]
        if not a or not b:
            return None
        pa = [(s, tid) for tid in a for s in doc.stream(tid, c.title, c.text)]
        pb = sorted((s, tid) for tid in b for s in doc.stream(tid, c.title, c.text))
        if not pa or not pb:
            return None
        if len(pa) * len(pb) <= 64:  # the usual case: a few hits a side; a direct loop is quicker
            best = None
            for (sa, ea), ta in pa:
                for (sb, eb), tb in pb:
                    if ordered and sb < sa:
                        continue
                    d = max(sb - ea, sa - eb, 0)
                    if best is None or d < best[4]:
                        best = (ta, tb, (sa, ea), (sb, eb), d)
            return best
        starts = [s[0] for s, _ in pb]
        best_end, best_at, run = [], [], (-1, -1)
        for i, ((_, eb), _) in enumerate(pb):
            if eb > run[0]:
                run = (eb, i)
            best_end.append(run[0])
            best_at.append(run[1])
        best = None
        for (sa, ea), ta in pa:
            i = bisect.bisect_left(starts, sa)
            if i < len(pb):
                d = max(starts[i] - ea, 0)
                if best is None or d < best[4]:
                    best = (ta, pb[i][1], (sa, ea), pb[i][0], d)
            if i > 0 and not ordered:
                d = max(sa - best_end[i - 1], 0)
                if best is None or d < best[4]:
                    j = best_at[i - 1]
                    best = (ta, pb[j][1], (sa, ea), pb[j][0], d)
            if best is not None and best[4] == 0:
                break
        return best

    def _present(self, doc: Doc, c: _Compiled, tids: tuple[int, ...]) -> list[int]:
        hits = doc.hits
        if c.title and c.text:
            return [t for t in tids if t in hits]
        return [t for t in tids if t in hits and doc.found(t, c.title, c.text)]

    def _evaluate(self, doc: Doc, c: _Compiled, why: bool = False) -> tuple[list[int] | None, str, list]:
        """(matched term ids, '', near anchors) if the rule fires, else (None, why not, []).

        The reason is only spelt out when asked (why=True, for --explain): formatting it for every rule
        that does not fire would cost more than the matching.
        """
        where = ""
        if why and not (c.title and c.text):
            where = " (in the title)" if c.title else " (in the text)"
        tids: list[int] = []
        if c.any:
            got = self._present(doc, c, c.any)
            if not got:
                return None, why and f"any: none of {_names(self._terms, c.any)} found{where}", []
            tids += got
        for j, alt in enumerate(c.all):
            got = self._present(doc, c, alt)
            if not got:
                label = f"entry #{j + 1} " if len(c.all) > 1 else ""
                return (
                    None,
                    why and f"all: {label}missing: none of {_names(self._terms, alt)} found{where}",
                    [],
                )
            tids += got
        anchors = []
        for a, b, within, order in c.near:
            best = self._near(doc, c, a, b, within, order)
            if best is None:
                if not why:
                    return None, "", []
                if self._present(doc, c, a) and self._present(doc, c, b):
                    first, then = (a, b) if order == "a-first" else (b, a)
                    return (
                        None,
                        f"near: no term of {_names(self._terms, first)} comes before a term of "
                        f"{_names(self._terms, then)}{where} (order: {order})",
                        [],
                    )
                missing = a if not self._present(doc, c, a) else b
                return None, f"near: no term of {_names(self._terms, missing)} found{where}", []
            ta, tb, sa, sb, d = best
            if d > within:
                if not why:
                    return None, "", []
                in_order = "" if order == "any" else f" in that order ({order})"
                return (
                    None,
                    f"near: closest pair '{self._terms[ta].text}' / '{self._terms[tb].text}'{in_order} is {d} words "
                    f"apart; needs {within} or fewer",
                    [],
                )
            tids += [ta, tb]
            anchors.append((min(sa[0], sb[0]), max(sa[1], sb[1])))
        if c.none:
            vetoes = self._present(doc, c, c.none)
            if vetoes:
                return (
                    None,
                    why and "none: vetoed by " + ", ".join(f"'{self._terms[t].text}'" for t in vetoes),
                    [],
                )
        return tids, "", anchors

    def _candidates(self, doc: Doc, language: str | None = None) -> list[_Compiled]:
        """The rules that can fire: one of their terms was hit, every required clause has a hit, and the
        article's language is one of the rule's `lang:` tags (when both are known)."""
        by = self._rules_by_tid
        cand: set[int] = set()
        for tid in doc.hits:
            ris = by.get(tid)
            if ris:
                cand.update(ris)
        hit = set(doc.hits)
        compiled = self._compiled
        out = []
        for ri in sorted(cand):
            c = compiled[ri]
            # a rule with one required clause (just `any`, or one `all` entry) is possible once it is a candidate
            if (len(c.required) < 2 or c.possible(hit)) and lang_allows(c.rule.lang, language):
                out.append(c)
        return out

    # `language`: the article's detected language. A rule with `lang:` tags fires only on articles in one of
    # them; None (undetected) never keeps a rule from firing (borderwatch/language.py).
    def match(self, title: str, text: str, language: str | None = None) -> list[RuleMatch]:
        return [d.match for d in self._match(title, text, details=False, language=language)]

    def match_details(self, title: str, text: str, language: str | None = None) -> list[MatchDetail]:
        """Like match(), plus where each matched term occurred and a snippet around it."""
        return self._match(title, text, details=True, language=language)

    def fired_ids(self, title: str, text: str, language: str | None = None) -> list[str]:
        """Just the ids of the rules that fire (no snippets): the fast path for replay and benchmarks."""
        doc = self.scan(title, text)
        fired = [
            c.rule.topic_id
            for c in self._candidates(doc, language)
            if c.simple or self._evaluate(doc, c)[0] is not None
        ]
        if len(fired) < 2:
            return fired
        return sorted(dict.fromkeys(fired), key=self._rank)

    def _rank(self, topic: str) -> int:
        return self._topic_rank.get(topic, len(self._topic_rank))

    def _match(self, title: str, text: str, details: bool, language: str | None = None) -> list[MatchDetail]:
        doc = self.scan(title, text)
        if not doc.hits:
            return []
        fired: dict[str, list[tuple[_Compiled, list[int], list]]] = {}  # topic -> its rules that fired
        for c in self._candidates(doc, language):
            tids, _, anchors = self._evaluate(doc, c)
            if tids is None:
                continue
            fired.setdefault(c.rule.topic_id, []).append((c, list(dict.fromkeys(tids)), anchors))
        out = []
        for topic in sorted(fired, key=self._rank) if len(fired) > 1 else fired:
            # one match per topic, as if the topic's own rule had fired: its snippet (or the first rule's that
            # fired, in file order), the terms of every rule that fired for it, the topic's own first
            ways = sorted(fired[topic], key=lambda w: w[0].rule.id != topic)
            c, tids, anchors = ways[0]
            seen = set(tids)
            terms = [self._terms[t].text for t in tids]
            hits: list[TermHit] = [self._term_hit(doc, c, t) for t in tids] if details else []
            for c2, tids2, _ in ways[1:]:
                for t in tids2:
                    if t not in seen:
                        seen.add(t)
                        terms.append(self._terms[t].text)
                        if details:
                            hits.append(self._term_hit(doc, c2, t))
            by = tuple(w[0].rule.id for w in ways) if ways[0][0].rule.topic or len(ways) > 1 else ()
            m = RuleMatch(topic, tuple(terms), self._rule_snippet(doc, c, tids, anchors), by)
            out.append(MatchDetail(m, tuple(hits)))
        return out

    def explain(self, title: str, text: str, language: str | None = None) -> list[Explanation]:
        doc = self.scan(title, text)
        out = []
        for c in self._compiled:
            if not lang_allows(c.rule.lang, language):
                tags = ", ".join(c.rule.lang)
                out.append(
                    Explanation(
                        c.rule.id,
                        False,
                        f"lang: the text is '{language}', the rule is for {tags}",
                        c.rule.topic,
                    )
                )
                continue
            tids, reason, _ = self._evaluate(doc, c, why=True)
            out.append(Explanation(c.rule.id, tids is not None, reason, c.rule.topic))
        return out

    # -- snippets ----------------------------------------------------------------
    def _first(self, doc: Doc, c: _Compiled, tid: int) -> tuple[str, int, int] | None:
        """(field, first token, last token) of a term's first hit, preferring the text."""
        best = None
        for i, n in doc.hits.get(tid, ()):
            fld, j = doc.stream_to_field(i)
            if fld == "title" and not c.title or fld == "text" and not c.text:
                continue
            key = (fld != "text", j)
            if best is None or key < best[0]:
                best = (key, (fld, j, j + n - 1))
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


__all__ = [
    "Doc",
    "Explanation",
    "MatchDetail",
    "Matcher",
    "TermHit",
    "key_table",
    "lead",
    "snippet",
    "term_forms",
    "term_keys",
]
