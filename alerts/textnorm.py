"""Text normalisation shared by rule compilation, matching and snippets.

Matching runs over a *token string*: the text's word tokens (runs of letters and digits), diacritics
stripped, joined by single spaces, framed by spaces and lower-cased (" cartel drone attack "). Terms are
compiled the same way, so "counter-UAS", "counter UAS" and "counter  UAS" all become " counter uas ", and
whole-word matching is a plain substring search for " term " -- which one Aho-Corasick automaton does for
every term of every rule in a single pass.

`fold` keeps the length of the text for Latin scripts (one character in, one out), so a token found in the
folded text has the same character offsets in the original; snippets can quote the original, accents and all.
"""

from __future__ import annotations

import re
import unicodedata

# A token: a run of letters and digits. Underscores and punctuation separate tokens.
WORD = re.compile(r"[^\W_]+")
NON_WORD = re.compile(r"[\W_]+")

# Combining marks that survive NFC (no precomposed form exists) are dropped by fold().
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def _build_fold_table() -> dict[int, str]:
    """Length-preserving map: accented Latin letters -> base letter, typographic quotes/dashes -> ASCII."""
    table: dict[int, str] = {}
    for cp in list(range(0xC0, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch and base.isalnum() == ch.isalnum():
            table[cp] = base
    for ch in "\u2018\u2019\u201a\u201b\u2032\u00b4\u02bc":
        table[ord(ch)] = "'"
    for ch in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb":
        table[ord(ch)] = '"'
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad":
        table[ord(ch)] = "-"
    for ch in "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003":
        table[ord(ch)] = " "
    return table


FOLD = _build_fold_table()
_ASCII = bytes(range(128))
# ASCII bytes that are not letters or digits become spaces (bytes.translate runs at memory speed).
_SPACE_TABLE = bytes(b if chr(b).isalnum() else 32 for b in range(128)) + bytes(range(128, 256))


def _non_ascii(text: str) -> set[str]:
    """The distinct non-ASCII characters of a text (deleting ASCII bytes leaves whole UTF-8 sequences)."""
    return set(text.encode("utf-8", "surrogatepass").translate(None, _ASCII).decode("utf-8", "surrogatepass"))


def _fold(text: str, tokens: bool) -> str:
    if text.isascii():
        return text
    chars = _non_ascii(text)
    if any(unicodedata.combining(ch) for ch in chars):  # decomposed accents: compose them first (NFC)
        text = unicodedata.normalize("NFC", text)
        chars = _non_ascii(text)
    for ch in chars:
        rep = FOLD.get(ord(ch))
        if rep is None:
            if _MARKS.match(ch):
                rep = ""
            elif tokens and not ch.isalnum():
                rep = " "
            else:
                continue
        elif tokens and not rep.isalnum():
            rep = " "
        text = text.replace(ch, rep)
    return text


def fold(text: str) -> str:
    """NFC, strip diacritics, ASCII quotes/dashes/spaces; keeps case (and, for Latin text, length).

    Replaces each distinct non-ASCII character once with str.replace instead of str.translate over the
    whole text: a news article has a dozen distinct ones, and this is ten times faster.
    """
    return _fold(text, tokens=False)


def normalize(text: str, lower: bool = True) -> str:
    """' tok1 tok2 ... ': the token string matching runs over (lower-cased unless lower=False).

    Same tokens as WORD.findall(fold(text)) (a token is a run of characters for which str.isalnum() is
    true), computed with C-speed bytes operations instead of a regex pass.
    """
    f = _fold(text, tokens=True)
    s = b" ".join(f.encode("utf-8", "surrogatepass").translate(_SPACE_TABLE).split()).decode(
        "utf-8", "surrogatepass"
    )
    if lower:
        s = s.lower()
    return f" {s} " if s else " "


def term_tokens(term: str) -> list[str]:
    """The tokens of a term as written (diacritics folded, case kept)."""
    return WORD.findall(fold(term))


def token_spans(text: str) -> tuple[str, list[tuple[int, int]]]:
    """(display text, [(start, end) of each token]) so that token i of normalize(text) is text[start:end].

    The display text is the NFC original when folding kept its length (always, for Latin scripts), else
    the folded text, whose offsets are then the ones that line up.
    """
    nfc = unicodedata.normalize("NFC", text) if not text.isascii() else text
    folded = fold(nfc)
    shown = nfc if len(folded) == len(nfc) else folded
    return shown, [m.span() for m in WORD.finditer(folded)]
