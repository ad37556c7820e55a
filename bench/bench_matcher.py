"""Matcher throughput: one Aho-Corasick pass vs. regex baselines, at 50 / 500 / 5,000 terms.

    python bench/bench_matcher.py                 # 10,000 docs (about 7 minutes on 2 shared cores); writes
                                                  # the "Matcher" section of bench/RESULTS.md
    python bench/bench_matcher.py --docs 1000 --budget 3 --no-write    # a quick look
    python bench/bench_matcher.py --budget 0      # baselines over every document too (very slow)

All three matchers do the same work per document: normalise title and text once (fold, tokenise,
lower-case; textnorm.normalize), find every term with whole-word semantics, then evaluate the same rules with
the same code (borderwatch.alerts.matcher). Only the term finding differs:

  automaton  the production Matcher: one Aho-Corasick automaton (ahocorasick-rs, over the UTF-8 bytes of the
             token string) holding every form of every term.
  (a)        one compiled regex per term (its forms as an alternation), in a loop -- in two styles, textbook
             \\b(?:forms)\\b and tuned ' (?:forms)(?= )' (see RegexPerTerm).
  (b)        one alternation regex of all forms of all terms, with word boundaries.

(a) finds exactly what the automaton finds and the script checks that both fire the same rules on every document.
(b) cannot report overlapping hits (a word inside a longer phrase that also matched), so it can miss
rules; its agreement with the automaton is reported.

Two term series: terms that occur in the documents (each added term adds hits), and terms that do not
(the list grows, the hits stay), which separates the cost of a bigger automaton from the cost of more hits.

Documents: article-length texts assembled from sentences of real articles (bench/data/real_texts.json, from
the fixture corpus) and of the labelled passages (tests/data/rule_passages.yaml), so the beat's rules fire on
some of them. Terms: the shipped rules' terms, topped up with a seeded random sample of the words and 2-3
word phrases of the same texts (without the commonest words, see vocabulary()), grouped into rules of ten
terms that use any / all / near. Seeded: every run builds the same documents and rules. Hits per document are
reported too: the work after the automaton pass grows with the hits.

Times are CPU time of this process (time.process_time), which other jobs on shared cores disturb less than
wall-clock time.

The baselines are slow, so each (baseline, size) cell stops after --budget seconds and is measured on the
documents it got through (a prefix of the same document list). For the ratio the automaton is timed on the same
prefix, chunk by chunk, alternating with the baseline (run_pair), so that both times see the same machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import re
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from ruamel.yaml import YAML  # noqa: E402

from borderwatch.alerts.matcher import SEP, Doc, Matcher, key_table, term_forms  # noqa: E402
from borderwatch.alerts.rules import Near, Rule, RuleSet, Term, load_rules  # noqa: E402
from borderwatch.alerts.textnorm import WORD, fold, lower_bytes, normalize, normalize_bytes  # noqa: E402

SIZES = (50, 500, 5000)
CHUNK = 10  # documents timed together; baselines check their time budget after each chunk
# documents per turn when the automaton and a baseline are timed in turn (run_pair): long enough that neither starts
# each turn with the other's data in the CPU caches, short enough (a fraction of a second) that the machine's speed
# cannot drift between the two
PAIR_BLOCK = 100


# -- inputs -------------------------------------------------------------------------------------------------------
def sentences() -> tuple[list[str], list[str]]:
    """(sentences from real articles, sentences from the labelled passages)."""
    real = json.loads((HERE / "data" / "real_texts.json").read_text(encoding="utf-8"))["articles"]
    split = re.compile(r"(?<=[.!?])\s+")
    real_s = [
        s.strip() for a in real for s in split.split(a["text"].replace("\n", " ")) if len(s.split()) >= 5
    ]
    passages = YAML(typ="safe").load(
        (REPO / "tests" / "data" / "rule_passages.yaml").read_text(encoding="utf-8")
    )
    beat_s = [s.strip() for p in passages["passages"] for s in split.split(p["text"]) if len(s.split()) >= 5]
    return real_s, beat_s


def make_docs(n: int, real_s: list[str], beat_s: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """n (title, text) pairs of about 600-900 words; one in five carries a few sentences from the beat."""
    docs = []
    for i in range(n):
        k = rng.randint(30, 45)
        sents = [rng.choice(real_s) for _ in range(k)]
        if i % 5 == 0:
            for _ in range(rng.randint(1, 3)):
                sents.insert(rng.randrange(len(sents)), rng.choice(beat_s))
        paras = [" ".join(sents[j : j + 4]) for j in range(0, len(sents), 4)]
        docs.append((sents[0][:90], "\n\n".join(paras)))
    return docs


def vocabulary(texts: list[str], rng: random.Random) -> list[str]:
    """Words and 2-3 word phrases of real text, in a seeded random order (smaller term sets are prefixes).

    The 150 commonest words are not terms, and a phrase neither starts nor ends with one of the 40
    commonest ("of the", "in a"): a keyword list names things, it does not alert on "the".
    """
    toks = [[w.lower() for w in WORD.findall(fold(s))] for s in texts]
    freq = Counter(w for t in toks for w in t)
    common = {w for w, _ in freq.most_common(150)}
    stop = {w for w, _ in freq.most_common(40)}
    out = {w for w in freq if w not in common and len(w) >= 4 and w.isalpha()}
    for t in toks:
        for n in (2, 3):
            for i in range(len(t) - n + 1):
                if t[i] not in stop and t[i + n - 1] not in stop:
                    out.add(" ".join(t[i : i + n]))
    vocab = sorted(out)
    rng.shuffle(vocab)
    return vocab


def absent_phrases(texts: list[str], rng: random.Random, n: int) -> list[str]:
    """n two-word phrases of real words that never stand next to each other in the texts ("tariff lunar").

    They model the bulk of a big keyword list: names and phrases that a given article does not contain. With
    them the term list grows while the hits per document stay the same.
    """
    toks = [[w.lower() for w in WORD.findall(fold(s))] for s in texts]
    words = sorted({w for t in toks for w in t if len(w) >= 4 and w.isalpha()})
    adjacent = {(a, b) for t in toks for a, b in zip(t, t[1:], strict=False)}
    out: set[str] = set()
    while len(out) < n:
        a, b = rng.choice(words), rng.choice(words)
        if a != b and (a, b) not in adjacent:
            out.add(f"{a} {b}")
    return sorted(out)


# The "absent" series keeps only this many shipped terms, so that its list grows by terms that never occur, as its
# table says. Without the cap both series took the first n shipped terms whenever the vocabulary held n or more
# (1,388 distinct terms on 2026-12-03), and at 500 terms the two tables measured the same rules twice.
ABSENT_SHIPPED = 50


def make_ruleset(n_terms: int, shipped: RuleSet, vocab: list[str], shipped_cap: int | None = None) -> RuleSet:
    """Rules with exactly n_terms distinct terms: the shipped rules' terms first (at most shipped_cap), then vocab."""
    seen: dict[str, Term] = {}
    for r in shipped.rules:
        for t in r.terms():
            seen.setdefault(" ".join(sorted(term_forms(t))), t)
    terms = list(seen.values())[: min(n_terms, shipped_cap or n_terms)]
    taken = {" ".join(sorted(term_forms(t))) for t in terms}
    for w in vocab:
        if len(terms) >= n_terms:
            break
        t = Term(w)
        key = " ".join(sorted(term_forms(t)))
        if key not in taken:
            taken.add(key)
            terms.append(t)
    rules = []
    for i in range(0, len(terms), 10):
        chunk = tuple(terms[i : i + 10])
        kind = (i // 10) % 3
        if kind == 0 or len(chunk) < 4:
            rules.append(Rule(f"r{i}", f"r{i}", any=chunk))
        elif kind == 1:
            rules.append(Rule(f"r{i}", f"r{i}", all=(chunk[: len(chunk) // 2], chunk[len(chunk) // 2 :])))
        else:
            h = len(chunk) // 2
            rules.append(Rule(f"r{i}", f"r{i}", near=(Near(chunk[:h], chunk[h:], 10),)))
    return RuleSet(rules)


# -- baselines: same normalisation, same rule evaluation, different term finding ------------------------------
class _BaselineMatcher(Matcher):
    def _keys(self) -> dict[str, list[tuple[int, str | None, int]]]:
        """lower-cased form -> [(term id, cased key or None, tokens)], like the automaton's keys."""
        return {key.strip(): vals for key, vals in key_table(self._terms).items()}

    def _doc(self, title: str, text: str) -> tuple[Doc, str, str, int]:
        t = normalize(title or "", lower=False)
        cased = t + SEP + normalize(text or "", lower=False)
        return Doc(title or "", text or "", t.count(" ") - 1), cased, cased.lower(), len(t)

    @staticmethod
    def _finish(doc: Doc, cased: str, low: str, sep: int, found: list[tuple[int, list]]) -> Doc:
        """Record (key start, entries) hits with token positions, counting spaces once left to right."""
        found.sort(key=lambda h: h[0])
        spaces, upto = 0, 0
        for start, vals in found:
            spaces += low.count(" ", upto, start + 1)
            upto = start + 1
            for tid, need, ntok in vals:
                if need is not None and cased[start : start + len(need)] != need:
                    continue
                doc.hits.setdefault(tid, []).append((spaces - 1 - (start > sep), ntok))
        return doc


class RegexPerTerm(_BaselineMatcher):
    """Baseline (a): one compiled regex per term (its forms as an alternation), run in a loop.

    style "textbook": \\b(?:forms)\\b, what one usually writes. style "tuned": ' (?:forms)(?= )' over the
    token string -- the leading literal space lets re skip ahead quickly (15-25x faster than \\b... or a
    lookbehind), and the lookahead leaves the next space for the next hit.
    """

    def __init__(self, ruleset: RuleSet, style: str = "tuned"):
        super().__init__(ruleset)
        by_tid: dict[int, dict[str, list]] = {}
        for key, vals in self._keys().items():
            for v in vals:
                by_tid.setdefault(v[0], {}).setdefault(key, []).append(v)
        self._shift = 0 if style == "tuned" else 1  # \b matches at the word, one past the key's space
        self._res = []
        for _tid, forms in sorted(by_tid.items()):
            alts = "|".join(sorted((re.escape(k) for k in forms), key=len, reverse=True))
            rx = re.compile(r" (" + alts + r")(?= )" if style == "tuned" else r"\b(" + alts + r")\b")
            self._res.append((rx, forms))

    def scan(self, title: str, text: str) -> Doc:
        doc, cased, low, sep = self._doc(title, text)
        shift = self._shift
        found = [(m.start() - shift, vals[m.group(1)]) for rx, vals in self._res for m in rx.finditer(low)]
        return self._finish(doc, cased, low, sep, found)


class Alternation(_BaselineMatcher):
    """Baseline (b): one alternation regex of every term form, with word boundaries.

    Written the tuned way (' (?:forms)(?= )', the token spaces being the word boundaries); the textbook
    \\b(?:forms)\\b is about twice as slow here.
    """

    def __init__(self, ruleset: RuleSet):
        super().__init__(ruleset)
        self._vals = self._keys()
        alts = sorted((re.escape(k) for k in self._vals), key=len, reverse=True)
        self._rx = re.compile(r" (" + "|".join(alts) + r")(?= )")  # word boundaries = the token spaces

    def scan(self, title: str, text: str) -> Doc:
        doc, cased, low, sep = self._doc(title, text)
        found = [(m.start(), self._vals[m.group(1)]) for m in self._rx.finditer(low)]
        return self._finish(doc, cased, low, sep, found)


# -- timing -------------------------------------------------------------------------------------------------------
def run(matcher, docs, budget: float) -> tuple[list[float], list[list[str]]]:
    """Cumulative seconds after each CHUNK of documents, and the rules fired per document."""
    marks, fired, total = [], [], 0.0
    for i in range(0, len(docs), CHUNK):
        chunk = docs[i : i + CHUNK]
        t0 = time.process_time()
        out = [matcher.fired_ids(t, x) for t, x in chunk]
        total += time.process_time() - t0
        marks.append(total)
        fired.extend(out)
        if budget and total > budget:
            break
    return marks, fired


def run_pair(ac: Matcher, baseline, docs, budget: float) -> tuple[int, float, float, list[list[str]]]:
    """The baseline and the automaton timed chunk by chunk, alternately, on the same documents.

    Returns (documents, baseline seconds, automaton seconds, the baseline's fired rules). The ratio of the two times
    is the figure: timed a chunk apart, both see the same machine. Timing the automaton over all documents first and
    each baseline minutes later let the shared machine's drift into the ratio (the same vocabulary measured 28.8x at
    07:52 and 17.9x at 08:48 on 2026-12-03, the automaton's own time per document moving 104 -> 137 us).
    """
    fired, b_total, a_total, k = [], 0.0, 0.0, 0
    for i in range(0, len(docs), PAIR_BLOCK):
        chunk = docs[i : i + PAIR_BLOCK]
        t0 = time.process_time()
        out = [baseline.fired_ids(t, x) for t, x in chunk]
        t1 = time.process_time()
        for t, x in chunk:
            ac.fired_ids(t, x)
        t2 = time.process_time()
        b_total += t1 - t0
        a_total += t2 - t1
        fired.extend(out)
        k += len(chunk)
        if budget and b_total > budget:
            break
    return k, b_total, a_total, fired


def automaton_pass(ac: Matcher, docs) -> float:
    """Microseconds per document for normalising and one automaton pass, without using the hits."""
    auto, sep = ac._auto, SEP.encode()
    t0 = time.process_time()
    for t, x in docs:
        low = lower_bytes(normalize_bytes(t) + sep + normalize_bytes(x))
        auto.find_matches_as_indexes(low, overlapping=True)
    return (time.process_time() - t0) / len(docs) * 1e6


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=10_000, help="documents (default 10,000)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="term counts (default 50,500,5000)")
    ap.add_argument(
        "--budget", type=float, default=10.0, help="CPU seconds per baseline cell, 0 = no cap (default 10)"
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    rng = random.Random(args.seed)
    real_s, beat_s = sentences()
    docs = make_docs(args.docs, real_s, beat_s, rng)
    words = sum(len(t.split()) + len(x.split()) for t, x in docs) / len(docs)
    vocab = vocabulary(real_s + beat_s, random.Random(args.seed))
    shipped = load_rules(REPO / "config" / "keywords.yaml")
    print(
        f"{len(docs)} docs, {words:.0f} words each on average; vocabulary {len(vocab)} words/pairs",
        flush=True,
    )

    absent = absent_phrases(real_s + beat_s, random.Random(args.seed), max(sizes))
    series = {
        "present": [(n, make_ruleset(n, shipped, vocab)) for n in sizes],
        "absent": [(n, make_ruleset(n, shipped, absent, ABSENT_SHIPPED)) for n in sizes],
    }
    results: dict[str, list[dict]] = {}
    for kind, sets in series.items():
        print(f"-- {kind}: extra terms {'from the texts' if kind == 'present' else 'that never occur'}")
        results[kind] = [measure(n, rs, docs, args.budget) for n, rs in sets]
    if not args.no_write:
        command = " ".join(
            ["python", "bench/bench_matcher.py", *(argv if argv is not None else sys.argv[1:])]
        )
        write_results(results, args, words, command)
    return 0


def measure(n: int, rs: RuleSet, docs, budget: float) -> dict:
    ac = Matcher(rs)
    assert ac.term_count == n, (ac.term_count, n)
    ac_marks, ac_fired = run(ac, docs, 0)
    row = {"terms": n, "rules": len(rs.rules), "ac_s": ac_marks[-1], "ac_dps": len(docs) / ac_marks[-1]}
    sample = docs[:1000]
    row["hits"] = sum(sum(len(v) for v in ac.scan(t, x).hits.values()) for t, x in sample) / len(sample)
    row["pass_us"] = automaton_pass(ac, sample)
    row["per_doc_us"] = ac_marks[-1] / len(docs) * 1e6
    for name, make in (
        ("textbook", lambda rs: RegexPerTerm(rs, "textbook")),
        ("regex", RegexPerTerm),
        ("alt", Alternation),
    ):
        b = make(rs)
        k, b_s, a_s, fired = run_pair(ac, b, docs, budget)
        row[f"{name}_docs"] = k
        row[f"{name}_dps"] = k / b_s
        row[f"{name}_ratio"] = b_s / a_s
        row[f"{name}_agree"] = sum(x == y for x, y in zip(ac_fired[:k], fired, strict=True)) / k
        if name in ("regex", "textbook"):
            assert row[f"{name}_agree"] == 1.0, "baseline (a) must find exactly what the automaton finds"
    print(
        f"{n:>5} terms, {row['hits']:4.0f} hits/doc: automaton {row['per_doc_us']:6.0f} us/doc | ratio (a) textbook "
        f"{row['textbook_ratio']:6.1f}x, (a) tuned {row['regex_ratio']:5.1f}x | (b) {row['alt_ratio']:6.1f}x "
        f"(agrees on {row['alt_agree']:.1%})",
        flush=True,
    )
    return row


def write_results(results: dict[str, list[dict]], args, words: float, command: str) -> None:
    path = HERE / "RESULTS.md"
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    def cell(r, name):
        n = r[f"{name}_docs"]
        docs = f", {n:,} docs" if n < args.docs else ""
        return f"**{r[f'{name}_ratio']:.1f}×** ({r[f'{name}_dps']:,.1f} docs/s{docs})"

    def table(rows):
        out = [
            "| terms | hits/doc | automaton µs/doc | automaton docs/s | (a) textbook regex per term "
            "| (a) tuned regex per term | (b) one alternation | (b) agrees |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            out.append(
                f"| {r['terms']:,} | {r['hits']:.0f} | {r['per_doc_us']:,.0f} | {r['ac_dps']:,.0f} | "
                f"{cell(r, 'textbook')} | {cell(r, 'regex')} | {cell(r, 'alt')} | {r['alt_agree']:.1%} |"
            )
        return out

    def growth(rows):
        a, b = rows[0], rows[-1]
        return (
            f"From {a['terms']:,} to {b['terms']:,} terms the automaton's time per document goes "
            f"{a['per_doc_us']:.0f} → {b['per_doc_us']:.0f} µs ({b['per_doc_us'] / a['per_doc_us']:.1f}×); "
            f"normalising plus the automaton pass alone, {a['pass_us']:.0f} → {b['pass_us']:.0f} µs "
            f"({b['pass_us'] / a['pass_us']:.1f}×). The tuned regex per term goes "
            f"{1e6 / a['regex_dps']:.0f} → {1e6 / b['regex_dps']:.0f} µs "
            f"({a['regex_dps'] / b['regex_dps']:.0f}×)."
        )

    present, absent = results["present"], results["absent"]
    lines = [
        "## Matcher",
        "",
        f"Command: `{command.strip()}` ({now}; Python {platform.python_version()}, {platform.machine()}, "
        "2 shared cores; CPU time of the process).",
        "",
        f"{args.docs:,} article-length documents (~{words:.0f} words each) built from sentences of real articles "
        "(bench/data/real_texts.json) and of the labelled passages; rules of ten terms each (any / all / near). "
        "The automaton (the production `Matcher`: one Aho-Corasick pass) and the baselines do the same "
        "normalisation and the same rule evaluation; they differ only in how they find the terms. "
        "**Ratio = baseline time / automaton time on the same documents.** (a) textbook: `\\b(?:forms)\\b` "
        "per term; (a) tuned: `' (?:forms)(?= )'` per term over the token string, the fastest per-term regex "
        "found; (b) one alternation of every form.",
        "",
        "**Terms that occur in the documents** (the shipped rules' terms, then a random sample of the words and "
        "2-3 word phrases of the same texts): every added term adds hits.",
        "",
        *table(present),
        "",
        growth(present) + " The automaton's extra time is work per hit (recording it, evaluating the rules "
        "that use the term), which grows with the hits per document, not with the length of the list.",
        "",
        "**Terms that do not occur** (the first 50 shipped terms, then pairs of real words that never stand "
        "together in the texts, like most of a long watch list on any given day): the list grows, the hits do not.",
        "",
        *table(absent),
        "",
        growth(absent),
        "",
        "Baseline (a) fires exactly the same rules as the automaton on every document (checked); (b) cannot "
        "report hits that overlap a longer phrase, hence its agreement column.",
    ]
    capped = any(
        r[f"{n}_docs"] < args.docs
        for rows in results.values()
        for r in rows
        for n in ("textbook", "regex", "alt")
    )
    if capped:
        lines.append(
            f"Baselines were capped at {args.budget:g} s of CPU per cell and measured on the documents they got "
            "through (in brackets), the automaton being timed on the same documents, chunk by chunk in turn with the "
            "baseline."
        )
    section = "\n".join(lines) + "\n"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    m = re.search(r"^## Matcher\n.*?(?=^## |\Z)", old, flags=re.S | re.M)
    if m:
        rest = old[m.end() :]
        new = old[: m.start()] + section + ("\n" + rest if rest.strip() else "")
    else:
        new = old.rstrip() + "\n\n" + section
    path.write_text(new, encoding="utf-8")
    print(f"wrote the Matcher section of {path}")


if __name__ == "__main__":
    sys.exit(main())
