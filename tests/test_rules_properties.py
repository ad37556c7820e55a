"""Property-based tests (hypothesis) for the rules loader and the matcher.

Loader: whatever YAML an operator writes, loading ends in a RuleSet or a ConfigError whose problems all carry
a position -- never another exception. Matcher: a term is found however it is cased, hyphenated, joined or
accented; never inside a longer word; and the one-pass Aho-Corasick matcher agrees with a slow, obviously
correct reference evaluation on random rules and documents.
"""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from borderwatch.alerts.matcher import Matcher, term_forms
from borderwatch.alerts.rules import Near, Rule, RuleSet, Term, parse_rules, parse_rules_text
from borderwatch.alerts.textnorm import normalize
from borderwatch.yamlload import ConfigError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# -- loader -------------------------------------------------------------------------------------------------
KEYS = ["rules", "groups", "id", "name", "any", "all", "none", "near", "a", "b", "within", "fields", "lang",
        "term", "case", "plural", "enabled", "version", "anny", "title", "text"]  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 2000),
    st.sampled_from(
        ["drone", "@drones", "@nope", "FPV", "", "  ", "--", "title", "text", "en", "x y", "a_b"]
    ),
    st.text(max_size=12),
)
yamlish = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=6)), inner, max_size=5),
    ),
    max_leaves=25,
)


def assert_positioned(exc: ConfigError) -> None:
    assert exc.problems
    for p in exc.problems:
        assert p.line >= 1 and p.column >= 1 and p.message.strip()


@SETTINGS
@given(yamlish)
def test_loader_returns_rules_or_positioned_problems_for_any_structure(data):
    try:
        rs = parse_rules(data, "k.yaml")
    except ConfigError as exc:
        assert_positioned(exc)
    else:
        assert rs.rules and len({r.id for r in rs.rules}) == len(rs.rules)


@SETTINGS
@given(yamlish)
def test_loader_keeps_positions_when_the_structure_is_real_yaml(data):
    buf = io.StringIO()
    YAML().dump({"rules": data} if not isinstance(data, dict) else data, buf)
    try:
        parse_rules_text(buf.getvalue(), "k.yaml")
    except ConfigError as exc:
        assert_positioned(exc)


@SETTINGS
@given(st.text(max_size=300))
def test_loader_never_crashes_on_arbitrary_text(text):
    try:
        parse_rules_text(text, "k.yaml")
    except ConfigError as exc:
        assert_positioned(exc)


words = st.text(alphabet="abcdefghijklm", min_size=3, max_size=7)
rule_specs = st.lists(
    st.tuples(st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True), st.lists(words, min_size=1, max_size=3)),
    min_size=1,
    max_size=6,
    unique_by=lambda t: t[0],
)


@SETTINGS
@given(rule_specs, st.data())
def test_valid_files_load_in_order_and_a_duplicate_id_is_one_problem(specs, data):
    doc = {"rules": [{"id": rid, "name": rid.upper(), "any": terms} for rid, terms in specs]}
    buf = io.StringIO()
    YAML().dump(doc, buf)
    rs = parse_rules_text(buf.getvalue())
    assert [r.id for r in rs.rules] == [rid for rid, _ in specs]
    dup = data.draw(st.sampled_from(specs))[0]
    doc["rules"].append({"id": dup, "any": ["zzz"]})
    buf = io.StringIO()
    YAML().dump(doc, buf)
    try:
        parse_rules_text(buf.getvalue())
    except ConfigError as exc:
        assert [p.message for p in exc.problems if "duplicate" in p.message] and len(exc.problems) == 1
    else:
        raise AssertionError("duplicate id accepted")


# -- matcher: variants and boundaries -----------------------------------------------------------------------
ACCENT = str.maketrans("aeioun", "áéíóúñ")
filler = st.lists(st.text(alphabet="nopqrtuvwxz", min_size=1, max_size=8), max_size=12).map(" ".join)
term_words = st.lists(words, min_size=1, max_size=3)


@st.composite
def written(draw, toks):
    """The term's tokens as a writer might put them: any case, hyphens/spaces/nothing between, accents."""
    out = []
    for i, t in enumerate(toks):
        t = "".join(c.upper() if draw(st.booleans()) else c for c in t)
        if draw(st.booleans()):
            t = t.translate(ACCENT)
        out.append(t)
        if i < len(toks) - 1:
            out.append(draw(st.sampled_from([" ", "-", "\u2011", " - ", "\n", "  "])))
    joined = draw(st.booleans()) and len(toks) > 1
    return "".join(toks if joined else out)


@SETTINGS
@given(term_words, filler, filler, st.data(), st.sampled_from(["", "\u201c", '"', "(", "\u2018"]))
def test_a_term_is_found_however_it_is_written(toks, before, after, data, quote):
    m = Matcher(RuleSet([Rule("r", "r", any=(Term(" ".join(toks)),))]))
    text = f"{before} {quote}{data.draw(written(toks))}{quote.replace('(', ')')}, {after}"
    assert m.fired_ids("", text) == ["r"], text


@SETTINGS
@given(words, st.text(alphabet="nopqrtuvwxz", min_size=1, max_size=4), st.booleans())
def test_a_term_inside_a_longer_word_never_fires(term, affix, prefix):
    m = Matcher(RuleSet([Rule("r", "r", any=(Term(term),))]))
    text = (affix + term) if prefix else (term + affix)
    assert m.fired_ids("", f"x {text} y") == []


# -- matcher vs a slow reference ------------------------------------------------------------------------------
VOCAB = ["cartel", "drone", "dron", "attack", "border", "jammer", "uas", "mx", "counter", "radar"]
vocab_terms = st.lists(st.sampled_from(VOCAB), min_size=1, max_size=2).map(lambda ws: Term(" ".join(ws)))
term_sets = st.lists(vocab_terms, min_size=1, max_size=3, unique=True).map(tuple)
rules_st = st.lists(
    st.builds(
        lambda i, any_, all_, none, near, fields: Rule(
            f"r{i}", f"r{i}", any=any_, all=all_, none=none, near=near, fields=fields
        ),
        st.integers(0, 10**6),
        st.one_of(st.just(()), term_sets),
        st.lists(term_sets, max_size=2).map(tuple),
        st.one_of(st.just(()), term_sets),
        st.lists(st.builds(Near, term_sets, term_sets, st.integers(1, 6)), max_size=2).map(tuple),
        st.sampled_from([frozenset({"title", "text"}), frozenset({"title"}), frozenset({"text"})]),
    ).filter(lambda r: r.any or r.all or r.near),
    min_size=1,
    max_size=5,
    unique_by=lambda r: r.id,
)
docs = st.lists(st.sampled_from(VOCAB + ["the", "a", "drones", "Cártel", "DRONE", "x-y"]), max_size=30).map(
    " ".join
)


def reference(ruleset: RuleSet, title: str, text: str) -> list[str]:
    """Naive: token lists, every form of every term tried at every position, clauses checked literally."""
    fields = {"title": normalize(title).split(), "text": normalize(text).split()}
    stream_start = {"title": 0, "text": len(fields["title"])}

    def spans(term: Term, allowed) -> list[tuple[int, int]]:
        out = []
        for form in term_forms(term):
            ft = form.lower().split()
            for f in allowed:
                toks = fields[f]
                for i in range(len(toks) - len(ft) + 1):
                    if toks[i : i + len(ft)] == ft:
                        s = stream_start[f] + i
                        out.append((s, s + len(ft) - 1))
        return out

    fired = []
    for r in ruleset.rules:
        allowed = [f for f in ("title", "text") if f in r.fields]
        ok = (not r.any or any(spans(t, allowed) for t in r.any)) and all(
            any(spans(t, allowed) for t in alt) for alt in r.all
        )
        for n in r.near:
            a = [s for t in n.a for s in spans(t, allowed)]
            b = [s for t in n.b for s in spans(t, allowed)]
            ok = ok and any(max(sb - ea, sa - eb, 0) <= n.within for sa, ea in a for sb, eb in b)
        ok = ok and not any(spans(t, allowed) for t in r.none)
        if ok:
            fired.append(r.id)
    return fired


@SETTINGS
@given(rules_st, docs, docs)
def test_one_pass_matcher_agrees_with_the_naive_reference(rules, title, text):
    rs = RuleSet(rules)
    m = Matcher(rs)
    expected = reference(rs, title, text)
    assert m.fired_ids(title, text) == expected
    assert [x.rule for x in m.match(title, text)] == expected


@SETTINGS
@given(rules_st, docs, st.sampled_from(["\n", "  ", " \u2014 ", "\t", "\u00a0"]))
def test_matching_ignores_case_and_how_words_are_separated(rules, text, sep):
    m = Matcher(RuleSet(rules))
    assert m.fired_ids("", text.upper().replace(" ", sep)) == m.fired_ids("", text)


@SETTINGS
@given(
    st.lists(words, min_size=1, max_size=3),
    words,
    st.integers(0, 8),
    st.integers(1, 12),
    st.integers(1, 8),
    st.booleans(),
    st.booleans(),
)
def test_near_fires_exactly_when_the_gap_is_within_the_window(
    a_toks, b_word, lead, gap, within, b_first, split
):
    """a = a phrase, b = a word, `gap` token steps from the end of one to the start of the other."""
    if b_word in a_toks:
        return
    m = Matcher(RuleSet([Rule("n", "n", near=(Near((Term(" ".join(a_toks)),), (Term(b_word),), within),))]))
    pad = ["zz"] * lead
    between = ["qq"] * (gap - 1)
    seq = [b_word, *between, *a_toks] if b_first else [*a_toks, *between, b_word]
    words_ = pad + seq + ["zz"]
    first = 1 if b_first else len(a_toks)
    cut = len(pad) + (first if split else 0)  # optionally the first term ends the title (phrases never span)
    title, text = " ".join(words_[:cut]), " ".join(words_[cut:])
    assert m.fired_ids(title, text) == (["n"] if gap <= within else []), (title, text)
