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


def _token_char(ch: str) -> str:
    """What _fold(tokens=True) makes of one non-ASCII character."""
    rep = FOLD.get(ord(ch))
    if rep is None:
        if _MARKS.match(ch):
            return ""
        return ch if ch.isalnum() else " "
    return rep if rep.isalnum() else " "


def _build_latin1_table() -> bytes:
    """One bytes.translate table that folds and tokenises every Latin-1 character at once (for each of them
    _token_char gives one Latin-1 character; checked here)."""
    table = bytearray(256)
    for b in range(256):
        ch = chr(b)
        rep = (ch if ch.isalnum() else " ") if b < 128 else _token_char(ch)
        assert len(rep) == 1 and ord(rep) < 256, (ch, rep)
        table[b] = ord(rep)
    return bytes(table)


_LATIN1_TABLE = _build_latin1_table()
_SPACE_RUNS = re.compile(b"  +")


def _latin1_tokens(text: str) -> bytes | None:
    """The text folded and tokenised (letters and digits kept, everything else a space) as Latin-1 bytes,
    or None when it keeps a letter beyond Latin-1 (Greek, Cyrillic, CJK ...).

    News text in English and Spanish is Latin-1 apart from a few typographic characters (quotes, dashes,
    ellipses, non-breaking spaces, the odd emoji): those are replaced first (one str.replace per distinct
    character), then one bytes.translate over the Latin-1 encoding folds the accents and turns punctuation
    into spaces.
    """
    if not text.isascii():
        chars = _non_ascii(text)
        if any(unicodedata.combining(ch) for ch in chars):  # decomposed accents: compose them first (NFC)
            text = unicodedata.normalize("NFC", text)
            chars = _non_ascii(text)
        for ch in chars:
            if ord(ch) > 255:
                rep = _token_char(ch)
                if rep and ord(rep[0]) > 255:
                    return None
                text = text.replace(ch, rep)
    return text.encode("latin-1").translate(_LATIN1_TABLE)


def normalize_bytes(text: str) -> bytes:
    """b' tok1 tok2 ... ': the token string of normalize(text, lower=False), as UTF-8 bytes.

    What the matcher scans (its automaton runs over bytes): one translate over the Latin-1 bytes (the usual
    case, see _latin1_tokens; else fold, then a translate of the UTF-8 bytes), then one regex pass that
    collapses runs of spaces (cheaper than split + join: most words are followed by a single space). After
    folding, English and Spanish news is ASCII, so the Latin-1 bytes are already the UTF-8 ones.
    """
    b = _latin1_tokens(text)
    if b is not None:
        b = _SPACE_RUNS.sub(b" ", b).strip(b" ")
        if not b.isascii():
            b = b.decode("latin-1").encode("utf-8")
    else:
        f = _fold(text, tokens=True).encode("utf-8", "surrogatepass").translate(_SPACE_TABLE)
        b = _SPACE_RUNS.sub(b" ", f).strip(b" ")
    return b" " + b + b" " if b else b" "


def lower_bytes(b: bytes) -> bytes:
    """The lower case of normalize_bytes() output, byte for byte aligned with it (same length, and every
    character keeps its UTF-8 length), so that offsets found in the lower-cased bytes hold in the original.

    ASCII (the usual case) is bytes.lower(). Otherwise str.lower(), except for the rare characters whose
    lower case is longer or has another UTF-8 length (the Kelvin sign, capital sharp s, dotted I), kept as
    they are.
    """
    if b.isascii():
        return b.lower()
    s = b.decode("utf-8", "surrogatepass")
    low = s.lower()
    odd = {
        c
        for c in set(s)
        if not c.isascii()
        and (
            len(c.lower()) != 1
            or len(c.lower().encode("utf-8", "surrogatepass")) != len(c.encode("utf-8", "surrogatepass"))
        )
    }
    if odd or len(low) != len(s):
        low = "".join(c if c in odd else c.lower() for c in s)
    return low.encode("utf-8", "surrogatepass")


def normalize(text: str, lower: bool = True) -> str:
    """' tok1 tok2 ... ': the token string matching runs over (lower-cased unless lower=False).

    Same tokens as WORD.findall(fold(text)) (a token is a run of characters for which str.isalnum() is
    true), computed with C-speed bytes operations (normalize_bytes) instead of a regex over the words.
    """
    s = normalize_bytes(text).decode("utf-8", "surrogatepass")
    return s.lower() if lower else s


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
