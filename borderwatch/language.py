"""The language of an article, detected with py3langid on its title and text; what a rule's `lang:` allows.

Codes are ISO 639-1 ("en", "es"). Detection is restricted to CANDIDATES, the languages the beat's press is
written in or is mistaken for: on the full model a short Spanish headline is as likely to come out as
Galician or Esperanto. A text with fewer than MIN_LETTERS letters, or whose best language scores under
MIN_PROBABILITY, is "undetected" (None): an undetected language never keeps a rule from firing.

py3langid ships its model xz-compressed; decompressing it costs seconds of CPU on every process start (5-7 s
seen on this 2-core machine under load). The first use writes the decompressed model to the cache directory
(BORDERWATCH_CACHE_DIR, else $XDG_CACHE_HOME/borderwatch, else ~/.cache/borderwatch), later processes load
that in well under a second. Any problem with the cache falls back to py3langid's own loader.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from borderwatch.cachedir import cache_dir

CANDIDATES = ("en", "es", "pt", "fr", "de", "it", "nl", "ru", "uk", "pl", "tr", "ar", "zh", "ja", "ko")
MIN_LETTERS = 20
MIN_PROBABILITY = 0.5
# The title and the start of the text decide; the rest only costs time: py3langid walks its DFA byte by byte in
# Python (~1 us a byte), so at 2,000 characters detection was 70% of the match stage (2.4 s of 3.35 s for 1,000
# articles on the 2-core machine). 600 characters is ~90 words of news prose, far more than en/es need: over the
# 3,646 labelled records in tests/data, 600 and 1,000 give the same language for every one (500 differs on one).
SAMPLE_CHARS = 600

log = logging.getLogger("borderwatch.language")
# MIN_LETTERS letters, each followed by any run of non-letters ([^\W\d_] is a letter as str.isalpha() sees it,
# [\W\d_] everything else): one search that stops at the twentieth letter, instead of a list of every letter
_ENOUGH_LETTERS = re.compile(rf"(?:[^\W\d_][\W\d_]*){{{MIN_LETTERS}}}")
_LOCK = threading.Lock()
_IDENT = None


def primary(code: str | None) -> str | None:
    """ "es-MX" -> "es"; None or "" -> None."""
    if not code:
        return None
    return code.replace("_", "-").split("-", 1)[0].strip().lower() or None


def allows(rule_langs: Iterable[str], language: str | None) -> bool:
    """A rule with `lang:` tags fires only on articles in one of them; without tags, or on an article whose
    language is undetected, it always may."""
    tags = {primary(x) for x in rule_langs}
    return not tags or language is None or primary(language) in tags


def badge(language: str | None) -> str:
    """What the digest shows next to a non-English item ("ES"); "" for English or undetected."""
    code = primary(language)
    return code.upper() if code and code != "en" else ""


def detect(title: str | None, text: str | None) -> str | None:
    sample = f"{title or ''}\n{(text or '')[:SAMPLE_CHARS]}"
    if _ENOUGH_LETTERS.search(sample) is None:  # in C: a genexpr over isalpha() cost ~0.3 s per 1,000
        return None
    lang, prob = _identifier().classify(sample)
    return lang if prob >= MIN_PROBABILITY else None


def _identifier():
    global _IDENT
    with _LOCK:
        if _IDENT is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            ident = _from_cache()
            if ident is None:
                ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            ident.set_languages(list(CANDIDATES))
            # set_languages keeps the full 97-language table for a later reset that never comes here: ~19 MB
            try:
                ident._full_model = None
            except AttributeError:  # another py3langid layout: keep it
                pass
            _IDENT = ident
        return _IDENT


def release() -> None:
    """Drop the model (~60 MB, most of it in large arrays glibc gives back to the OS) once a stage is done
    with it, so a long-running `borderwatch schedule` does not keep it between daily runs. The next use
    loads it again from the cache in well under a second."""
    global _IDENT
    with _LOCK:
        _IDENT = None


def _from_cache():
    """py3langid's model, decompressed once into the cache directory (see the module docstring).

    What is cached is the model already cut down to CANDIDATES (the per-language table is 15 of its 142
    columns), so nothing is loaded only to be thrown away. The tokenizer's transition table (37 MB, the bulk
    of the model) is a raw file mapped read-only rather than read: its pages are shared with the page
    cache, only the ones the texts walk through become resident, and nothing is copied on load (reading it
    out of an .npz and into the array py3langid walks held it twice, a 75 MB peak at the start of matching).
    """
    try:
        import hashlib
        import lzma
        import mmap
        import shutil
        import tempfile
        from array import array

        import numpy as np
        import py3langid
        from py3langid import modelio
        from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

        version = getattr(py3langid, "__version__", "0")
        tag = hashlib.sha1(",".join(CANDIDATES).encode()).hexdigest()[:8]
        stem = f"py3langid-{version}-{Path(MODEL_FILE).name.removesuffix('.xz').removesuffix('.npz')}-{tag}"
        small, big = cache_dir() / f"{stem}.npz", cache_dir() / f"{stem}.nextmove"
        if not (small.exists() and big.exists()):
            small.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=small.parent) as raw:
                with lzma.open(MODEL_DIR / MODEL_FILE) as src:
                    shutil.copyfileobj(src, raw, length=1 << 20)
                raw.seek(0)
                with np.load(raw, allow_pickle=False) as data:
                    classes = data["classes"].tolist()
                    keep = [i for i, c in enumerate(classes) if c in CANDIDATES]
                    nextmove = np.ascontiguousarray(data["nextmove"], dtype=np.uint32)
                    with tempfile.NamedTemporaryFile(dir=small.parent, delete=False, suffix=".part") as t:
                        t.write(memoryview(nextmove).cast("B"))
                    os.replace(t.name, big)
                    with tempfile.NamedTemporaryFile(dir=small.parent, delete=False, suffix=".part") as t:
                        np.savez(
                            t,
                            ptc=np.ascontiguousarray(data["ptc"][:, keep]),
                            pc=data["pc"][keep],
                            classes=np.asarray([classes[i] for i in keep]),
                            nextmove_row=data["nextmove_row"],
                            out_feat=data["out_feat"],
                            nextmove_len=np.asarray([nextmove.size]),
                        )
                    del nextmove
            os.replace(t.name, small)  # last: its presence says both files are whole
        with np.load(small, allow_pickle=False) as data:
            with open(big, "rb") as f:
                if os.fstat(f.fileno()).st_size != int(data["nextmove_len"][0]) * 4:
                    raise ValueError(f"{big} is truncated")
                nextmove = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)).cast("I")
            return LanguageIdentifier(
                np.asarray(data["ptc"]),
                np.asarray(data["pc"]),
                data["classes"].tolist(),
                nextmove,
                array("i", data["out_feat"].astype(np.int32).tobytes()),
                norm_probs=True,
                tk_row=modelio._to_array(data["nextmove_row"]),
            )
    except Exception as exc:  # an older/newer py3langid layout, a read-only home: the packaged loader works
        log.info("language model cache not used (%s: %s)", type(exc).__name__, exc)
        return None
