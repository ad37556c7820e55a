"""Text normalisation shared by rule compilation and matching.

Matching runs over a *token string*: the text's word tokens (\\w+), diacritics stripped, curly quotes
straightened, joined by single spaces and framed by spaces (" cartel drone attack "). A term is compiled the
same way, so "counter-UAS", "counter UAS" and "counter  UAS" all become " counter uas "; whole-word matching
is then a plain substring search for " term " -- which an Aho-Corasick automaton does in one pass.
"""

from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+")


def _build_fold_table() -> dict[int, str]:
    """Length-preserving map: accented Latin letters -> base letter, typographic quotes/dashes -> ASCII."""
    table: dict[int, str] = {}
    for cp in range(0xC0, 0x250):
        ch = chr(cp)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if len(base) == 1 and base != ch:
            table[cp] = base
    for ch in "\u2018\u2019\u201a\u201b\u2032\u00b4":
        table[ord(ch)] = "'"
    for ch in "\u201c\u201d\u201e\u201f\u2033":
        table[ord(ch)] = '"'
    for ch in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212":
        table[ord(ch)] = "-"
    table[0xA0] = " "
    return table


FOLD = _build_fold_table()


def fold(text: str) -> str:
    """NFC + strip diacritics + ASCII punctuation; keeps case and (for Latin text) length."""
    if text.isascii():
        return text
    text = unicodedata.normalize("NFC", text)
    text = text.translate(FOLD)
    if not text.isascii():
        # Rare characters outside the table (e.g. combining marks left over): drop the marks.
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text


def token_string(text: str) -> str:
    """' tok1 tok2 ... ' with case kept (diacritics folded)."""
    return " " + " ".join(WORD.findall(fold(text))) + " "


def term_tokens(term: str) -> list[str]:
    return WORD.findall(fold(term))
