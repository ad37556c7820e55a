"""The gazetteer's ambiguity rules, each on the case it exists for (alerts/tagging.py, docs/tagging.md)."""

from __future__ import annotations

import pytest

from borderwatch.alerts.tagging import GazetteerError, Tagger, Tags, shipped


def tag(text: str, title: str = "") -> tuple[list[str], list[str]]:
    t = shipped().tag(title, text)
    return t.actors, [p.label for p in t.places]


@pytest.mark.parametrize(
    "text,actors,places",
    [
        # Juárez: the city, the cartel, a street, a village
        ("La Línea opera en Juárez desde hace años", ["La Línea"], ["Ciudad Juárez, Chihuahua"]),
        ("El Cártel de Juárez mantiene su base", ["Cartel de Juárez"], []),
        ("the Juarez cartel and its rivals", ["Cartel de Juárez"], []),
        ("el ataque fue sobre la calle Juárez, cerca del cruce", [], []),
        ("en Villa Juárez, una comunidad rural de Navolato", [], ["Navolato, Sinaloa"]),
        # El Paso: the city, the sector, a Spanish phrase
        ("Agents in the El Paso Sector saw drones", [], ["El Paso Sector"]),
        ("cuando estuvo a cargo del sector de El Paso", [], ["El Paso Sector"]),
        ("El paso de migrantes por la zona disminuyó", [], []),
        ("EL PASO, Texas (KTSM) – Border Patrol said", [], ["El Paso, Texas", "Texas"]),
        # Sinaloa: the state or the cartel
        ("el Cártel de Sinaloa pelea la plaza", ["Sinaloa Cartel"], []),
        ("ataques con drones en el estado de Sinaloa", [], ["Sinaloa"]),
        # Golfo, Noreste: the cartels, the sea, a direction, the Colombian clan
        ("integrantes del Cártel del Golfo y del CDN", ["Gulf Cartel", "Cartel del Noreste"], []),
        ("lluvias en el Golfo de México y el noreste del país", [], []),
        ("el Clan del Golfo y el ELN", ["Clan del Golfo", "ELN"], []),
        # Guerrero: the state, a surname, a town
        ("Pobladores de Guerrero derribaron un dron", [], ["Guerrero"]),
        ("liderado por Héctor Guerrero Flores, alias Niño Guerrero", [], []),
        (
            "los municipios de Mier y Nueva Ciudad Guerrero",
            [],
            ["Mier, Tamaulipas", "Nueva Ciudad Guerrero, Tamaulipas"],
        ),
        # capitals and acronyms
        ("a unos metros de la frontera", [], []),
        ("la facción de Los Metros en Reynosa", ["Metros"], ["Reynosa, Tamaulipas"]),
        # one name, two states: the state named in the text decides
        ("un dron cruzó en Nogales, Arizona", [], ["Nogales, Arizona", "Arizona"]),
        ("un campamento en Nogales, Sonora", [], ["Nogales, Sonora", "Sonora"]),
        ("un campamento en Nogales", [], ["Nogales, Sonora"]),
        # outlets are not places
        ("As reported by the U-T San Diego, a drone crashed in Tijuana", [], ["Tijuana, Baja California"]),
    ],
)
def test_ambiguous_names_resolve_to_what_the_text_means(text, actors, places):
    assert tag(text) == (actors, places)


def test_a_name_never_spans_title_and_text():
    # "El Paso" split across title and text is not El Paso
    assert shipped().tag("Drones seen near El", "Paso fronterizo cerrado").places == []


def test_tags_line_shows_towns_with_their_state_and_skips_the_state_alone():
    t = shipped().tag("", "Two police officers were wounded in Aguililla, Michoacán, by CJNG drones.")
    assert t.line() == "Aguililla, Michoacán · CJNG"
    assert Tags.from_stored(t.stored(1)) == t


def test_a_bad_gazetteer_entry_is_named():
    with pytest.raises(GazetteerError, match="actors"):
        Tagger({"version": 1, "actors": [{"aliases": ["X"]}]})
    with pytest.raises(GazetteerError, match="version"):
        Tagger({"actors": []})
