"""The digest's "why it matched" line: one or two sentences around the strongest hit.

The matcher stores a snippet around the *earliest* hit, which is often a passing mention. For the digest we
split the article's stored main text into sentences (sentencex, Wikimedia's rule-based segmenter, English
and Spanish abbreviations included) and pick the sentence that holds the most distinct matched terms of the
item's topic (then of its other topics, then the most hits, then the earliest). A short sentence gets its
neighbour so the reader has context. Terms are looked up by the matcher's own keys (matcher.term_keys: same
folding, hyphen/space/joined variants, plurals), so a term the matcher found is found here too.
"""

from __future__ import annotations

from .matcher import term_keys
from .rules import RuleSet, Term
from .slacktext import clip
from .textnorm import normalize

MAX_SNIPPET = 320
SHORT_SENTENCE = 140
MAX_TEXT_CHARS = 60_000  # enough for any news article; bounds the work on a pathological page


def normalize_cased(text: str) -> str:
    return normalize(text, lower=False)


def term_objects(ruleset: RuleSet | None, texts: list[str]) -> list[Term]:
    """Matched term strings (as stored in matches.terms) -> Term objects with the rule file's case flags."""
    known: dict[str, Term] = {}
    if ruleset is not None:
        for rule in ruleset.rules:
            for t in rule.terms():
                known.setdefault(t.text, t)
    return [known.get(t, Term(t)) for t in texts]


def _found(sentence_tokens: str, term: Term) -> int:
    hay = sentence_tokens if term.case else sentence_tokens.lower()
    return sum(hay.count(k) for k in term_keys(term))


def split_sentences(text: str, language: str | None) -> list[str]:
    from sentencex import segment

    lang = (language or "en").split("-")[0].lower() or "en"
    try:
        parts = list(segment(lang, text))
    except Exception:  # an unknown language code: English rules are a fine fallback for news prose
        parts = list(segment("en", text))
    return [" ".join(p.split()) for p in parts if p.strip()]


def best_snippet(
    text: str,
    primary: list[Term],
    secondary: list[Term] = (),
    language: str | None = None,
    fallback: str = "",
    limit: int = MAX_SNIPPET,
) -> str:
    """One or two sentences of `text` around the strongest hit of `primary` terms (raw text, not escaped)."""
    text = (text or "")[:MAX_TEXT_CHARS]
    if not text.strip():
        return clip(fallback, limit) if fallback else ""
    sentences = split_sentences(text, language)
    if not sentences:
        return clip(fallback, limit) if fallback else ""
    best_i, best_score = None, (0, 0, 0)
    for i, s in enumerate(sentences):
        toks = normalize_cased(s)
        p_hits = [_found(toks, t) for t in primary]
        s_hits = [_found(toks, t) for t in secondary]
        score = (sum(1 for h in p_hits if h), sum(1 for h in s_hits if h), sum(p_hits) + sum(s_hits))
        if score > best_score:
            best_i, best_score = i, score
    if best_i is None:
        # Terms only in the title (or only in fields we don't show): the lede says what the story is.
        best_i = 0
    chosen = sentences[best_i]
    if len(chosen) < SHORT_SENTENCE:
        nxt = sentences[best_i + 1] if best_i + 1 < len(sentences) else None
        prev = sentences[best_i - 1] if best_i > 0 else None
        for extra, after in ((nxt, True), (prev, False)):
            if extra and len(chosen) + 1 + len(extra) <= limit:
                chosen = f"{chosen} {extra}" if after else f"{extra} {chosen}"
                break
    if len(chosen) <= limit:
        return chosen
    return _window(chosen, primary or secondary, limit)


def _window(sentence: str, terms: list[Term], limit: int) -> str:
    """A `limit`-character window of a long sentence, placed so the first hit is inside it."""
    low = sentence.lower()
    pos = min(
        (p for t in terms for p in [low.find(t.text.lower())] if p >= 0),
        default=0,
    )
    start = max(0, pos - limit // 3)
    if start:
        sp = sentence.find(" ", start)
        start = sp + 1 if 0 <= sp < pos else start
    piece = clip(sentence[start:], limit - (1 if start else 0))
    return ("…" + piece) if start else piece
