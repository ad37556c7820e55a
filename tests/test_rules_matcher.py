"""The matcher's word semantics: whole words and phrases across case, hyphens, plurals, accents and quotes;
acronyms; alternatives; proximity over title + text; fields; vetoes; snippets; explanations."""

from __future__ import annotations

import unicodedata

from borderwatch.alerts.matcher import Matcher, snippet
from borderwatch.alerts.rules import parse_rules_text


def matcher(yaml_text: str) -> Matcher:
    return Matcher(parse_rules_text(yaml_text, "test.yaml"))


def fired(m: Matcher, text: str = "", title: str = "") -> set[str]:
    return {x.rule for x in m.match(title, text)}


def one(term: str) -> Matcher:
    return matcher(f"rules:\n  - id: r\n    any: [{term}]\n")


def test_hyphen_space_and_joined_variants_match_each_other():
    m = one("counter-UAS")
    for text in (
        "new counter UAS kit",
        "counterUAS radars",
        "Counter-uas",
        "counter\u2011UAS",
        "counter - UAS",
    ):
        assert fired(m, text) == {"r"}, text
    assert (
        fired(matcher("rules:\n  - id: r\n    any: [counterUAS]\n"), "counter-UAS") == set()
    )  # joined term: one word


def test_whole_words_only():
    m = one("drone")
    assert fired(m, "Two DRONES flew") == {"r"}
    assert fired(m, "an engine droned on; a dronefly") == set()
    assert fired(one("UAV"), "UAVs, the plural") == {"r"}


def test_english_and_spanish_plurals():
    assert fired(one("dron"), "los drones del cártel") == {"r"}
    assert fired(one("cártel"), "los cárteles mexicanos") == {"r"}
    assert fired(one("radar"), "nuevos radares") == {"r"}
    assert fired(one("agency"), "two agencies") == {"r"}
    assert fired(one("dron explosivo"), "lanzaron drones explosivos") == {"r"}
    assert fired(one("dron kamikaze"), "más de 300 drones kamikaze") == {"r"}
    assert fired(one("ataque con dron"), "ataques con drones") == {"r"}
    assert fired(one("counter-drone system"), "counter-drone systems") == {"r"}
    no_plural = matcher("rules:\n  - id: r\n    any: [{term: dron, plural: false}]\n")
    assert fired(no_plural, "drones") == set()


def test_a_phrase_is_plural_up_to_its_first_preposition():
    """The head noun and its adjectives agree in number; what follows the preposition stays as written."""
    assert fired(one("aeronave pilotada a distancia"), "aeronaves pilotadas a distancia") == {"r"}
    assert fired(one("nave teledirigida"), "pequeñas naves teledirigidas") == {"r"}
    assert fired(
        one("artefacto explosivo lanzado desde el aire"), "artefactos explosivos lanzados desde el aire"
    ) == {"r"}
    assert fired(one("port of entry"), "at two ports of entry") == {"r"}
    assert fired(one("aeronave pilotada a distancia"), "aeronaves pilotadas a distancias") == {
        "r"
    }  # all words
    assert fired(one("port of entry"), "the port authority") == set()


def test_diacritics_curly_quotes_and_decomposed_text():
    assert fired(one("Michoacán"), "en Michoacan ayer") == {"r"}
    assert fired(one("Michoacan"), "en Michoacán ayer") == {"r"}
    assert fired(one("Michoacán"), unicodedata.normalize("NFD", "en Michoacán ayer")) == {"r"}
    assert fired(one("Cártel de Sinaloa"), "el CÁRTEL DE SINALOA") == {"r"}
    assert fired(one('"El Mencho"'), "alias \u201cEl Mencho\u201d") == {"r"}
    assert fired(one("cartel's"), "the cartel\u2019s drones") == {"r"}


def test_case_sensitive_acronym_does_not_fire_on_ordinary_words():
    m = matcher("rules:\n  - id: uas\n    any: [{term: UAS, case: true}, {term: C-UAS, case: true}]\n")
    assert fired(m, "small UAS threats") == {"uas"}
    assert fired(m, "new C-UAS kits") == {"uas"}
    assert fired(m, "Uasin Gishu county; uas; c-uas") == set()


def test_all_entries_may_be_lists_of_alternatives():
    m = matcher("rules:\n  - id: r\n    all: [[cartel, cártel, CJNG], [drone, dron, UAV]]\n")
    assert fired(m, "El CJNG usó un dron") == {"r"}
    assert fired(m, "El CJNG atacó") == set()
    assert fired(m, "un dron agrícola") == set()


def test_groups_are_defined_once_and_referenced_by_name():
    m = matcher(
        "groups:\n  drones: [drone, dron]\n  cartels: [cartel, CJNG]\n"
        "rules:\n  - id: r\n    all: ['@cartels', '@drones']\n"
    )
    assert fired(m, "CJNG drone") == {"r"}


def test_near_counts_words_and_is_symmetric():
    m = matcher("rules:\n  - id: n\n    near: [{a: [cartel], b: [drone], within: 3}]\n")
    assert fired(m, "the cartel flew a drone") == {"n"}  # 3 words on
    assert fired(m, "the drone of the cartel") == {"n"}
    assert fired(m, "the cartel said one two three four drone") == set()


def test_near_with_an_order_counts_only_pairs_in_that_order():
    """order: a-first keeps "stop the drone" and drops "a drone stopped flights" (the drone doing the stopping)."""
    m = matcher(
        "rules:\n  - id: ab\n    near: [{a: [stop, stopped], b: [drone], within: 4, order: a-first}]\n"
        "  - id: ba\n    near: [{a: [stop, stopped], b: [drone], within: 4, order: b-first}]\n"
    )
    assert fired(m, "police tried to stop the drone") == {"ab"}
    assert fired(m, "a drone stopped flights at the airport") == {"ba"}
    # the closest pair is out of order, a farther one in order still counts when it is within the window
    assert fired(m, "the drone will stop. Stop that drone now") == {"ab", "ba"}
    assert fired(m, "the drone stopped") == {"ba"}
    why = {e.rule: e.reason for e in m.explain("", "a drone stopped flights")}
    assert "comes before" in why["ab"] and "a-first" in why["ab"], why
    why = {e.rule: e.reason for e in m.explain("", "stop it, one two three four five the drone")}
    assert "in that order (a-first)" in why["ab"] and "needs 4 or fewer" in why["ab"], why


def test_near_with_an_order_on_long_hit_lists_agrees_with_the_direct_loop():
    """Past 64 pairs the matcher bisects instead of looping; both ways must find the same ordered pairs."""
    m = matcher("rules:\n  - id: ab\n    near: [{a: [stop], b: [drone], within: 2, order: a-first}]\n")
    many = " ".join(
        ["drone filler filler filler filler stop filler filler filler"] * 12
    )  # each stop: after its drone
    assert fired(m, many) == set()
    assert fired(m, many + " stop a drone") == {"ab"}


def test_near_measures_from_the_end_of_a_phrase():
    m = matcher(
        "rules:\n  - id: n\n    near: [{a: [Jalisco New Generation Cartel], b: [drone], within: 3}]\n"
    )
    assert fired(m, "the Jalisco New Generation Cartel used a drone") == {"n"}  # 3 on from "Cartel"
    assert fired(m, "the Jalisco New Generation Cartel then used a drone") == set()


def test_near_runs_over_the_title_followed_by_the_text():
    m = matcher("rules:\n  - id: n\n    near: [{a: [cartel], b: [drone], within: 5}]\n")
    assert fired(m, title="Cartel attack", text="A drone hit the police post.") == {"n"}
    assert fired(m, title="Cartel attack", text="Police said on Monday that a drone hit the post.") == set()


def test_fields_limit_where_a_rule_looks():
    m = matcher(
        "rules:\n  - id: t\n    fields: title\n    any: [drone]\n"
        "  - id: x\n    fields: [text]\n    near: [{a: [cartel], b: [drone], within: 5}]\n"
    )
    assert fired(m, title="Drone attack", text="nothing") == {"t"}
    assert fired(m, title="Cartel news", text="a drone flew") == set()
    assert fired(m, title="", text="a cartel drone") == {"x"}


def test_phrases_do_not_span_title_and_text():
    m = one("drone attack")
    assert fired(m, title="New drone", text="Attack on the post") == set()


def test_none_vetoes_the_rule():
    m = matcher("rules:\n  - id: fpv\n    any: [FPV]\n    none: [FPV racing]\n")
    assert fired(m, "FPV racing league") == set()
    assert fired(m, "FPV strike") == {"fpv"}


def test_rules_come_back_in_priority_order_with_terms_and_a_snippet_keeping_accents():
    m = matcher("rules:\n  - id: specific\n    all: [cártel, dron]\n  - id: broad\n    any: [cártel]\n")
    text = "Primer párrafo sin nada. El Cártel de Sinaloa usó un dron en Culiacán. Otra frase."
    got = m.match("", text)
    assert [x.rule for x in got] == ["specific", "broad"]
    assert got[0].terms == ("cártel", "dron")
    assert got[0].snippet == "El Cártel de Sinaloa usó un dron en Culiacán."


def test_match_details_give_a_marked_snippet_per_term():
    m = matcher("rules:\n  - id: r\n    all: [cartel, drone]\n")
    text = "The cartel moved in at dawn. Hours later a drone dropped a grenade on the checkpoint."
    (d,) = m.match_details("", text)
    hits = {h.term: h for h in d.hits}
    assert hits["cartel"].snippet == "The [cartel] moved in at dawn."
    assert hits["drone"].snippet == "Hours later a [drone] dropped a grenade on the checkpoint."
    assert hits["drone"].field == "text" and hits["drone"].count == 1


def test_snippet_is_trimmed_around_the_hit_in_a_long_sentence():
    text = "word " * 200 + "the drone " + "word " * 200
    start = text.index("drone")
    s = snippet(text, start, start + 5, width=100)
    assert "drone" in s and len(s) <= 110 and s.startswith("…") and s.endswith("…")


def test_explain_says_which_clause_failed():
    m = matcher(
        "rules:\n"
        "  - id: a\n    any: [FPV]\n"
        "  - id: b\n    all: [cartel, [drone, dron]]\n"
        "  - id: c\n    near: [{a: [cartel], b: [drone], within: 2}]\n"
        "  - id: d\n    any: [cartel]\n    none: [OPEC]\n"
    )
    why = {e.rule: e.reason for e in m.explain("", "The OPEC cartel said one two three four drone")}
    assert why["a"].startswith("any: none of FPV found")
    assert why["b"] == ""  # fired
    assert "is 6 words apart; needs 2 or fewer" in why["c"]
    assert why["d"] == "none: vetoed by 'OPEC'"
    why = {e.rule: e.reason for e in m.explain("", "The cartel")}
    assert why["b"] == "all: entry #2 missing: none of drone, dron found"


def test_the_same_word_written_twice_is_one_term():
    m = matcher("rules:\n  - id: r\n    any: [cartel, cártel, Cartel]\n")
    assert m.term_count == 1
    assert m.match("", "el cártel")[0].terms == ("cartel",)
