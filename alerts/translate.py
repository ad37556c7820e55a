"""Optional translation of what the digest shows: titles and snippets of non-English items, into English.

Off unless sources.yaml's `settings.translate` names a backend:

    settings:
      translate:
        backend: deepl            # DeepL, through the official `deepl` package; key in DEEPL_AUTH_KEY
        # backend: libretranslate # LibreTranslate's /translate JSON API at `url` (self-hosted or a service);
        # url: https://translate.example.org    # optional API key in LIBRETRANSLATE_API_KEY
        timeout: 5                # seconds for the whole digest, every request included (default 5)

The digest never waits long: every request shares one deadline (`timeout`), DeepL's own retries are off. A
failure keeps the original text and adds one warning line to the digest. Each translation is stored (table
`translations`, keyed by the text's SHA-256 and the target language), so no text is translated twice, not
even after a switch of backend, and a re-sent digest does not ask again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from borderwatch.language import badge, primary
from borderwatch.records import WarningLine

log = logging.getLogger("borderwatch.translate")

BACKENDS = ("deepl", "libretranslate")
DEFAULT_TIMEOUT = 5.0
MAX_TIMEOUT = 30.0
TARGET = "en"
DEEPL_KEY_ENV = "DEEPL_AUTH_KEY"
LIBRE_KEY_ENV = "LIBRETRANSLATE_API_KEY"


class TranslationError(Exception):
    """A backend that could not translate (reported as one warning; the originals are shown)."""


@dataclass(frozen=True)
class TranslateSettings:
    backend: str
    url: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    target: str = TARGET

    @classmethod
    def from_settings(cls, settings: dict | None) -> TranslateSettings | None:
        raw = (settings or {}).get("translate")
        if not isinstance(raw, dict) or not raw.get("backend"):
            return None
        return cls(
            backend=raw["backend"],
            url=raw.get("url"),
            timeout=min(float(raw.get("timeout", DEFAULT_TIMEOUT)), MAX_TIMEOUT),
        )


def check_settings(value) -> str | None:
    """The problem with a `translate:` setting, or None (config.py reports it with its line)."""
    if value in (None, False, "off"):
        return None
    if not isinstance(value, dict):
        return "setting 'translate' must be a mapping {backend, url?, timeout?} or off"
    extra = sorted(set(value) - {"backend", "url", "timeout"})
    if extra:
        return f"setting 'translate' has an unknown key '{extra[0]}' (allowed: backend, url, timeout)"
    if value.get("backend") not in BACKENDS:
        return (
            f"setting 'translate.backend' must be one of {', '.join(BACKENDS)}, got {value.get('backend')!r}"
        )
    url = value.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("http://", "https://"))):
        return f"setting 'translate.url' must be an http(s) URL, got {url!r}"
    if value["backend"] == "libretranslate" and not url:
        return "setting 'translate.url' is required for libretranslate (its /translate API)"
    t = value.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(t, (int, float)) or isinstance(t, bool) or not 0.1 <= t <= MAX_TIMEOUT:
        return f"setting 'translate.timeout' must be seconds from 0.1 to {MAX_TIMEOUT:g}, got {t!r}"
    return None


# -- backends ------------------------------------------------------------------------------------------


class DeepL:
    """The official client. DeepL detects the source language itself."""

    name = "deepl"

    def __init__(self, url: str | None):
        key = os.environ.get(DEEPL_KEY_ENV)
        if not key:
            raise TranslationError(f"{DEEPL_KEY_ENV} is not set")
        import deepl

        self._deepl = deepl
        self.client = deepl.Translator(key, server_url=url or None, send_platform_info=False)

    def translate(self, texts: list[str], source: str | None, target: str, timeout: float) -> list[str]:
        http = self._deepl.http_client
        http.max_network_retries = 0  # the digest's deadline is ours; no backoff-and-retry inside
        http.min_connection_timeout = max(0.1, timeout)
        try:
            out = self.client.translate_text(texts, target_lang="EN-US" if target == "en" else target.upper())
        except self._deepl.DeepLException as exc:
            raise TranslationError(f"{type(exc).__name__}: {str(exc)[:200]}") from None
        return [r.text for r in out]


class LibreTranslate:
    """LibreTranslate's JSON API: POST {url}/translate {q: [...], source, target, format} -> translatedText."""

    name = "libretranslate"

    def __init__(self, url: str):
        self.url = url.rstrip("/") + "/translate"
        self.key = os.environ.get(LIBRE_KEY_ENV)

    def translate(self, texts: list[str], source: str | None, target: str, timeout: float) -> list[str]:
        body = {"q": texts, "source": source or "auto", "target": target, "format": "text"}
        if self.key:
            body["api_key"] = self.key
        req = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=max(0.1, timeout)) as resp:
                data = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            said = exc.read()[:300].decode("utf-8", "replace")
            try:
                said = json.loads(said).get("error", said)
            except (ValueError, AttributeError):
                pass
            raise TranslationError(f"HTTP {exc.code}: {said}") from None
        except (OSError, ValueError) as exc:  # refused, timed out, not JSON
            raise TranslationError(f"{type(exc).__name__}: {exc}") from None
        out = data.get("translatedText") if isinstance(data, dict) else None
        if isinstance(out, str):
            out = [out]
        if not isinstance(out, list) or len(out) != len(texts):
            raise TranslationError("answer without one translatedText per text")
        return [str(x) for x in out]


def backend_for(settings: TranslateSettings):
    if settings.backend == "deepl":
        return DeepL(settings.url)
    return LibreTranslate(settings.url or "")


# -- the digest's entries ------------------------------------------------------------------------------


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def translate_entries(store, entries, settings: TranslateSettings | None) -> list[str]:
    """Fill title_en / snippet_en of the non-English entries; return the warning lines (at most one)."""
    if settings is None:
        return []
    wanted: dict[str, tuple[str, str | None]] = {}  # key -> (text, source language)
    for e in entries:
        if badge(e.language):
            for text in (e.title, e.snippet):
                if text and text.strip():
                    wanted[text_key(text)] = (text, primary(e.language))
    if not wanted:
        return []
    known = store.translations(list(wanted), settings.target)
    missing = {k: v for k, v in wanted.items() if k not in known}
    warning = None
    if missing:
        deadline = time.monotonic() + settings.timeout
        try:
            backend = backend_for(settings)
            by_lang: dict[str | None, list[str]] = {}
            for k, (_text, lang) in missing.items():
                by_lang.setdefault(lang, []).append(k)
            for lang, keys in by_lang.items():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TranslationError(f"no answer within {settings.timeout:g} s")
                done = backend.translate([missing[k][0] for k in keys], lang, settings.target, left)
                fresh = dict(zip(keys, done, strict=True))
                store.add_translations(
                    [(k, missing[k][1], settings.target, backend.name, missing[k][0], fresh[k]) for k in keys]
                )
                known.update(fresh)
        except TranslationError as exc:
            warning = WarningLine(
                f"translation ({settings.backend}) failed: {exc}; originals shown",
                key=f"translate:{settings.backend}",
            )
            log.warning("translation failed: %s", exc)
    for e in entries:
        if badge(e.language):
            e.title_en = known.get(text_key(e.title)) if e.title else None
            e.snippet_en = known.get(text_key(e.snippet)) if e.snippet else None
    return [warning] if warning else []
