"""Language on every item: py3langid's detection, what a rule's `lang:` tags allow, the digest's badge."""

from __future__ import annotations

from borderwatch import language
from borderwatch.alerts.matcher import Matcher
from borderwatch.alerts.rules import parse_rules_text

ES = (
    "Atacan con drones explosivos a policías en Michoacán",
    "Un grupo armado atacó con drones cargados de explosivos una base de la policía estatal.",
)
EN = (
    "Cartel drones attack police post in Michoacán",
    "Gunmen attacked a state police base with drones carrying explosives, officials said.",
)

RULES = """
rules:
  - id: es_only
    any: [drones]
    lang: [es]
  - id: both
    any: [drones]
    lang: [en, es]
  - id: untagged
    any: [drones]
"""


def test_spanish_and_english_news_text_is_detected_and_a_word_is_too_short_to_tell():
    assert language.detect(*ES) == "es"
    assert language.detect(*EN) == "en"
    assert language.detect("Narcodrones vigilan la frontera en Tamaulipas", "") == "es"
    assert language.detect("CJNG", "") is None
    assert language.detect(None, None) is None


def test_a_rules_lang_tags_restrict_it_and_an_undetected_language_never_blocks():
    m = Matcher(parse_rules_text(RULES, "test.yaml"))
    fired = lambda lang: {x.rule for x in m.match("", "drones", language=lang)}  # noqa: E731
    assert fired("es") == {"es_only", "both", "untagged"}
    assert fired("es-MX") == {"es_only", "both", "untagged"}
    assert fired("en") == {"both", "untagged"}
    assert fired("pt") == {"untagged"}
    assert fired(None) == {"es_only", "both", "untagged"}, "undetected: the tags do not block"
    assert set(m.fired_ids("", "drones", language="en")) == {"both", "untagged"}
    why = {e.rule: e.reason for e in m.explain("", "drones", "en") if not e.fired}
    assert why == {"es_only": "lang: the text is 'en', the rule is for es"}


def test_the_digest_marks_non_english_items():
    assert language.badge("es") == "ES" and language.badge("pt-BR") == "PT"
    assert language.badge("en") == language.badge("en-US") == language.badge(None) == ""


def test_the_model_cache_is_written_once_and_detects_like_the_packaged_model(tmp_path, monkeypatch):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    monkeypatch.setenv("BORDERWATCH_CACHE_DIR", str(tmp_path))
    ident = language._from_cache()
    assert ident is not None, "the cached model loads"
    files = sorted(tmp_path.iterdir(), key=lambda p: p.suffix)
    assert [p.suffix for p in files] == [".nextmove", ".npz"], "the mapped table and the cut-down model"
    assert files[0].stat().st_size > 10_000_000
    assert ident.nb_classes == [c for c in ident.nb_classes if c in language.CANDIDATES]
    packaged = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    packaged.set_languages(list(language.CANDIDATES))
    samples = ["\n".join(ES), "\n".join(EN), *ES, *EN, "Narcodrones vigilan la frontera en Tamaulipas"]
    for text in samples:
        (lang, prob), (want, want_prob) = ident.classify(text), packaged.classify(text)
        assert lang == want and abs(prob - want_prob) < 1e-6, text
    mtimes = [p.stat().st_mtime_ns for p in files]
    assert language._from_cache() is not None, "loads again"
    assert [p.stat().st_mtime_ns for p in files] == mtimes, "not written again"
