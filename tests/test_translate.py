"""Optional translation: DeepL (the official client) and LibreTranslate, each against a loopback fake of its
real API; stored so no text is translated twice; a timeout; a failure keeps the originals with one warning."""

from __future__ import annotations

import json
import time

import pytest

from borderwatch.alerts.digest import DigestEntry, item_mrkdwn
from borderwatch.alerts.translate import TranslateSettings, check_settings, translate_entries
from borderwatch.config import ConfigError, parse_sources
from borderwatch.store import Store
from tests.support.articles import seed_article
from tests.support.translate_fakes import FakeDeepL, FakeLibreTranslate

TITLE = "Atacan con drones explosivos a policías en Michoacán"
SNIPPET = "Un grupo armado atacó con drones cargados de explosivos una base de la policía estatal."


def entries() -> list[DigestEntry]:
    es = DigestEntry(1, TITLE, "https://example.mx/a", "example.mx", None, "r", "R", ["drones"], SNIPPET)
    es.language = "es"
    en = DigestEntry(
        2, "Drones attack police", "https://example.com/b", "example.com", None, "r", "R", [], "x"
    )
    en.language = "en"
    return [es, en]


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'bw.db'}")
    yield s
    s.dispose()


@pytest.mark.parametrize("backend", ["deepl", "libretranslate"])
def test_non_english_titles_and_snippets_are_translated_once(store, backend, monkeypatch):
    fake_cls = FakeDeepL if backend == "deepl" else FakeLibreTranslate
    with fake_cls() as fake:
        monkeypatch.setenv("DEEPL_AUTH_KEY", "fake-deepl-key:fx")
        settings = TranslateSettings(backend, url=fake.url, timeout=5)
        es, en = batch = entries()
        assert translate_entries(store, batch, settings) == []
        assert es.title_en == "Explosive drones attack police in Michoacán"
        assert es.snippet_en == "[EN] " + SNIPPET
        assert en.title_en is None and en.snippet_en is None, "English items are left alone"
        assert sorted(fake.texts()) == sorted([TITLE, SNIPPET]), "one request, both texts, nothing English"
        if backend == "deepl":
            (call,) = fake.calls
            assert call.path == "/v2/translate" and call.body["target_lang"] == "EN-US"
            assert call.headers["authorization"] == "DeepL-Auth-Key fake-deepl-key:fx"
        else:
            (call,) = fake.calls
            assert call.path == "/translate" and call.body["source"] == "es" and call.body["target"] == "en"

        again = entries()
        assert translate_entries(store, again, settings) == []
        assert again[0].title_en == es.title_en and len(fake.calls) == 1, "stored: never translated twice"


def test_a_failing_or_slow_translator_keeps_the_originals_with_one_warning(store, monkeypatch):
    monkeypatch.setenv("DEEPL_AUTH_KEY", "fake-deepl-key:fx")
    with FakeLibreTranslate() as libre, FakeDeepL(key="another") as deepl:
        cases = [
            (
                TranslateSettings("libretranslate", url=libre.url, timeout=2),
                lambda: setattr(libre, "mode", "down"),
            ),
            (TranslateSettings("deepl", url=deepl.url, timeout=2), lambda: None),  # wrong key: 403
        ]
        for settings, breaks in cases:
            breaks()
            batch = entries()
            warnings = translate_entries(store, batch, settings)
            assert len(warnings) == 1 and "originals shown" in warnings[0], warnings
            assert batch[0].title_en is None and batch[0].title == TITLE
        assert "HTTP 500" in translate_entries(store, entries(), cases[0][0])[0]

        libre.mode, libre.delay = "slow", 5
        started = time.monotonic()
        warnings = translate_entries(
            store, entries(), TranslateSettings("libretranslate", url=libre.url, timeout=0.5)
        )
        assert time.monotonic() - started < 3, "the digest does not wait for a slow translator"
        assert len(warnings) == 1 and "timed out" in warnings[0].lower()

    monkeypatch.delenv("DEEPL_AUTH_KEY")
    (w,) = translate_entries(store, entries(), TranslateSettings("deepl"))
    assert "DEEPL_AUTH_KEY is not set" in w


def test_the_digest_shows_the_english_next_to_the_original():
    es, _ = entries()
    es.title_en, es.snippet_en = "Explosive drones attack police in Michoacán", "An armed group attacked."
    text = item_mrkdwn(es)
    lines = text.split("\n")
    assert lines[0].startswith("*<https://example.mx/a|" + TITLE)
    assert "EN: Explosive drones attack police in Michoacán" in text
    assert text.index(SNIPPET[:20]) < text.index("An armed group attacked.")


def test_translate_setting_is_validated_and_off_by_default():
    base = {"sources": [{"name": "A", "feeds": ["https://a.example/feed"]}]}
    assert TranslateSettings.from_settings(parse_sources(base).settings) is None
    ok = parse_sources({**base, "settings": {"translate": {"backend": "libretranslate", "url": "http://x/"}}})
    assert TranslateSettings.from_settings(ok.settings).backend == "libretranslate"
    assert check_settings("off") is None
    for bad in (
        {"backend": "google"},
        {"backend": "libretranslate"},
        {"backend": "deepl", "timeout": 99},
        "yes",
    ):
        with pytest.raises(ConfigError) as exc:
            parse_sources({**base, "settings": {"translate": bad}})
        assert "translate" in str(exc.value)


def test_digest_preview_and_delivery_show_translations_asked_for_once(work):
    with FakeLibreTranslate() as fake:
        (work.config / "sources.yaml").write_text(
            "settings:\n"
            f"  translate: {{backend: libretranslate, url: '{fake.url}', timeout: 5}}\n"
            "sources:\n  - name: Noticias\n    feeds: [http://127.0.0.1:9/feed/]\n"
        )
        seed_article(
            work.db, "https://noticias.example/dron", TITLE, SNIPPET + " " + SNIPPET, "noticias.example"
        )
        assert work.run("match").returncode == 0
        r = work.run("digest", "--preview", "--json")
        assert r.returncode == 0, r.stderr[-2000:]
        preview = json.loads(r.stdout)
        (entry,) = preview["entries"]
        assert (
            entry["language"] == "es" and entry["title_en"] == "Explosive drones attack police in Michoacán"
        )
        d = work.run("deliver")
        assert d.returncode == 0, d.stderr[-2000:]
        assert "EN: Explosive drones attack police in Michoacán" in d.stdout
        assert fake.texts().count(TITLE) == 1, "the delivery used the stored translation"
