"""Who and where: tag a document with the armed groups and places it names, from the curated gazetteer.

The gazetteer (alerts/gazetteer.yaml, package data) is a list of names and their aliases. Every alias is
compiled with the matcher's own term forms (alerts/matcher.py: term_forms, no plurals) into one
Aho-Corasick automaton over the matcher's token string (alerts/textnorm.py: accents folded, whole words),
and a document is scanned once, title and text separated by the matcher's "|" so no name spans both.

Ambiguity is settled by four rules, in this order (docs/tagging.md has examples):
1. Capitals: a word capitalised in the alias must be capitalised in the text, an acronym must be in
   capitals ("el paso de migrantes" is not El Paso; "metros" is not the Metros faction).
2. Longest name wins, leftmost first: "Cártel de Sinaloa" is one actor, not the state; "Nueva Ciudad
   Guerrero" is one town; a not_places phrase ("Villa Juárez", "U-T San Diego") wins and tags nothing.
3. person names (Guerrero, Hidalgo, Juárez, Donna): dropped when a neighbouring word is another capitalised
   word that is not itself a tagged name ("Niño Guerrero", "Guerrero Flores").
4. A municipality name in two states goes to the state the document names too, else to the first listed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import ahocorasick

from borderwatch import cachedir

from .matcher import SEP, STOPWORDS, term_forms
from .rules import Term
from .textnorm import normalize, term_tokens, token_spans

# Words that may stand next to a person-like place name without making it a person's name.
CUES = STOPWORDS | frozenset(
    "in en from desde near cerca hacia toward towards entre between state estado states estados municipio "
    "municipality municipalities sector sectors county condado city ciudad town mexico mexican mexicano "
    "mexicana sierra costa coast north south east west norte sur oriente poniente noreste noroeste sureste "
    "suroeste northern southern eastern western us usa eu eeuu".split()
)


# Generic words inside names, free of the capitals rule ("cártel de Sinaloa", "the Juárez cartel").
GENERIC = frozenset("cartel cartels carteles organization organizacion faction faccion federation".split())
# Punctuation between two words: they are not one name ("Cuernavaca, Morelos"; "Sierra Gorda), Hidalgo").
BREAKS = set(",;:()[]{}.!?\"'“”‘’«»—–-/")


@dataclass(frozen=True)
class Place:
    name: str
    admin1: str
    country: str
    kind: str = "municipality"  # state | municipality | sector

    def as_json(self) -> dict:
        """The shape `rules test --json` prints: {"name", "admin1", "country"}."""
        return {"name": self.name, "admin1": self.admin1, "country": self.country}

    @property
    def label(self) -> str:
        """'Aguililla, Michoacán' for a town, 'Michoacán' for a state, 'El Paso Sector' for a sector."""
        return self.name if self.kind != "municipality" else f"{self.name}, {self.admin1}"


@dataclass(frozen=True)
class Actor:
    name: str
    parent: str | None = None


@dataclass(frozen=True)
class _Entry:
    actor: Actor | None = None
    place: Place | None = None
    person: bool = False  # rule 3 applies


@dataclass
class Tags:
    actors: list[str] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    @property
    def states(self) -> list[str]:
        """The distinct admin1 of the places, in order: what the trends "where" panel counts."""
        return list(dict.fromkeys(p.admin1 for p in self.places))

    def as_json(self) -> dict:
        return {"actors": list(self.actors), "places": [p.as_json() for p in self.places]}

    def stored(self, version: int) -> dict:
        """What the articles table keeps (articles.tags): the version that made it, plus kinds."""
        return {
            "v": version,
            "actors": list(self.actors),
            "places": [{**p.as_json(), "kind": p.kind} for p in self.places],
        }

    @classmethod
    def from_stored(cls, d: dict) -> Tags:
        return cls(
            list(d.get("actors") or []),
            [
                Place(p["name"], p["admin1"], p["country"], p.get("kind", "municipality"))
                for p in d.get("places") or []
            ],
        )

    def line(self, max_places: int = 3, max_actors: int = 3) -> str:
        """'Aguililla, Michoacán · CJNG, Cárteles Unidos': a state already shown with a town is not repeated."""
        shown: list[str] = []
        covered = {p.admin1 for p in self.places if p.kind == "municipality"}
        for p in self.places:
            if p.kind == "state" and p.name in covered:
                continue
            if p.label not in shown:
                shown.append(p.label)
        where = ", ".join(shown[:max_places]) + (" …" if len(shown) > max_places else "")
        who = ", ".join(self.actors[:max_actors]) + (" …" if len(self.actors) > max_actors else "")
        return " · ".join(x for x in (where, who) if x)


class GazetteerError(ValueError):
    pass


def _items(value, where: str) -> list[dict]:
    out = []
    for item in value or []:
        if isinstance(item, str):
            out.append({"name": item})
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            out.append(item)
        else:
            raise GazetteerError(f"{where}: expected a name or {{name: ...}}, got {item!r}")
    return out


def parse_gazetteer(data: dict) -> tuple[int, list[tuple[str, _Entry]], list[str]]:
    """(version, [(alias, entry)], not_places) from the YAML document; GazetteerError names the bad entry."""
    if not isinstance(data, dict) or not isinstance(data.get("version"), int):
        raise GazetteerError("gazetteer: needs an integer `version`")
    aliases: list[tuple[str, _Entry]] = []
    for a in data.get("actors") or []:
        if not isinstance(a, dict) or not isinstance(a.get("name"), str):
            raise GazetteerError(f"actors: each entry needs a name, got {a!r}")
        e = _Entry(actor=Actor(a["name"], a.get("parent")))
        for alias in [a["name"], *(a.get("aliases") or [])]:
            aliases.append((alias, e))
    for country, states in (data.get("places") or {}).items():
        for st in states:
            state = st.get("state")
            if not isinstance(state, str):
                raise GazetteerError(f"places.{country}: each entry needs a state, got {st!r}")
            e = _Entry(place=Place(state, state, country, "state"), person=bool(st.get("person")))
            for alias in [state, *(st.get("aliases") or [])]:
                aliases.append((alias, e))
            for p in _items(st.get("places"), f"places.{country}.{state}"):
                e = _Entry(place=Place(p["name"], state, country), person=bool(p.get("person")))
                for alias in [p["name"], *(p.get("aliases") or [])]:
                    aliases.append((alias, e))
            for s in _items(st.get("sectors"), f"places.{country}.{state}.sectors"):
                name = s["name"]
                e = _Entry(place=Place(f"{name} Sector", state, country, "sector"))
                forms = [f"{name} Sector", f"{name} sector", f"sector de {name}", f"sector {name}"]
                for alias in [*forms, *(s.get("aliases") or [])]:
                    aliases.append((alias, e))
    return data["version"], aliases, [str(x) for x in data.get("not_places") or []]


def _shape(alias_tok: str) -> int:
    """0: any case; 1: must start with a capital; 2: must be all capitals (an acronym)."""
    if alias_tok.lower() in GENERIC:
        return 0
    if len(alias_tok) > 1 and alias_tok.isupper():
        return 2
    return 1 if alias_tok[:1].isupper() else 0


def _fits(shapes: tuple[int, ...], toks: list[str]) -> bool:
    if len(toks) != len(shapes):  # the joined form ("elpaso"): only its first letter is checked
        return not shapes or shapes[0] == 0 or toks[0][:1].isupper()
    for need, tok in zip(shapes, toks, strict=True):
        if need == 2 and not tok.isupper() or need == 1 and not tok[:1].isupper():
            return False
    return True


class Tagger:
    """One automaton over every alias; tag(title, text) -> Tags."""

    def __init__(self, data: dict):
        self.version, aliases, blocked = parse_gazetteer(data)
        table: dict[str, list[tuple[_Entry | None, tuple[int, ...]]]] = {}
        for alias, entry in [*aliases, *((b, None) for b in blocked)]:
            shapes = tuple(_shape(t) for t in term_tokens(alias))
            for form in term_forms(Term(alias, case=False, plural=False)):
                vals = table.setdefault(f" {form.lower()} ", [])
                if (entry, shapes) not in vals:
                    vals.append((entry, shapes))
        self._auto = ahocorasick.Automaton()
        for key, vals in table.items():
            self._auto.add_word(key, (len(key), tuple(vals)))
        self._auto.make_automaton()
        self.alias_count = len(table)

    def tag(self, title: str, text: str) -> Tags:
        t = normalize(title or "", lower=False)
        cased = t + SEP + normalize(text or "", lower=False)
        low = cased.lower()
        cands = []  # (start, end, entries) of the word span, framing spaces excluded
        for end, (length, vals) in self._auto.iter(low):
            start = end - length + 1
            toks = cased[start + 1 : end].split(" ")
            entries = [e for e, shapes in vals if _fits(shapes, toks)]
            if entries:
                cands.append((start + 1, end, entries))
        # rule 2: leftmost-longest, non-overlapping
        cands.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        spans, upto = [], -1
        for c in cands:
            if c[0] > upto:
                spans.append(c)
                upto = c[1]
        spans = [s for s in spans if s[2][0] is not None]  # not_places tag nothing
        taken = {(s, e) for s, e, _ in spans}
        fields = (title or "", text or "")
        kept = [s for s in spans if not self._person(cased, s, taken, fields)]
        named_states = {
            e.place.admin1 for _, _, es in kept for e in es if e.place and e.place.kind == "state"
        }
        named_states |= {es[0].place.admin1 for _, _, es in kept if len(es) == 1 and es[0].place}
        tags = Tags()
        for _, _, entries in kept:
            e = entries[0]
            if len(entries) > 1 and e.place:  # rule 4
                e = next((x for x in entries if x.place and x.place.admin1 in named_states), e)
            if e.actor and e.actor.name not in tags.actors:
                tags.actors.append(e.actor.name)
            elif e.place and e.place not in tags.places:
                tags.places.append(e.place)
        return tags

    @staticmethod
    def _person(cased: str, span: tuple, taken: set, fields: tuple[str, str]) -> bool:
        """Rule 3: a person-like name next to another capitalised word (not itself a tagged name, and not
        cut off from it by punctuation in the original text)."""
        start, end, entries = span
        if not all(e.person for e in entries):
            return False
        left = cased.rfind(" ", 0, start - 1)
        prev = cased[left + 1 : start - 1]
        right = cased.find(" ", end + 1)
        nxt = cased[end + 1 : right] if right > 0 else ""
        first = cased.count(" ", 0, start) - 1  # stream index of the span's first token ("|" counts as one)
        last = first + cased.count(" ", start, end)
        for tok, pos, pair in (
            (prev, (left + 1, start - 1), (first - 1, first)),
            (nxt, (end + 1, right), (last, last + 1)),
        ):
            if not tok or tok == SEP or not tok[:1].isupper() or tok.lower() in CUES:
                continue
            if any(s <= pos[0] and pos[1] <= e for s, e in taken):
                continue
            if _punctuated(cased, fields, *pair):
                continue
            return True
        return False


def _punctuated(cased: str, fields: tuple[str, str], a: int, b: int) -> bool:
    """Is there punctuation between stream tokens a and a+1 (== b) in the original title or text?"""
    title_n = cased[: cased.index(SEP)].count(" ") - 1  # title tokens; "|" is stream token title_n
    if a < title_n <= b or a <= title_n < b:  # across the title | text boundary
        return True
    fld, off = (0, 0) if b < title_n else (1, title_n + 1)
    shown, spans = token_spans(fields[fld])
    i, j = a - off, b - off
    if not (0 <= i < j < len(spans)):
        return True
    return any(ch in BREAKS for ch in shown[spans[i][1] : spans[j][0]])


@lru_cache(maxsize=1)
def shipped() -> Tagger:
    """The tagger built from the gazetteer installed with borderwatch (built once per process)."""
    raw = resources.files("borderwatch.alerts").joinpath("gazetteer.yaml").read_bytes()
    # The YAML parse is ~0.1 s a process (ruamel's pure-Python loader); the same document as JSON loads in
    # well under 1 ms, so it is kept in the cache directory by the file's hash (borderwatch/cachedir.py).
    name = f"{hashlib.sha256(raw).hexdigest()}.json"
    cached = cachedir.read("gazetteer", name)
    if cached is not None:
        try:
            return Tagger(json.loads(cached))
        except ValueError:  # a truncated entry: parse the YAML and write it again
            pass
    from ruamel.yaml import YAML

    data = YAML(typ="safe").load(raw.decode("utf-8"))
    cachedir.write("gazetteer", name, json.dumps(data).encode("utf-8"), keep=2)
    return Tagger(data)


def tags_for(stored: dict | None, title: str, text: str) -> Tags:
    """An article's tags: the stored ones when the shipped gazetteer made them, else tagged now from the
    text (articles matched before tagging existed, or by an older gazetteer version)."""
    tagger = shipped()
    if stored and stored.get("v") == tagger.version:
        return Tags.from_stored(stored)
    return tagger.tag(title, text)


def merge(tags: list[Tags]) -> Tags:
    """One story's tags from its articles' (lead first), each name once."""
    out = Tags()
    for t in tags:
        out.actors += [a for a in t.actors if a not in out.actors]
        out.places += [p for p in t.places if p not in out.places]
    return out


__all__ = [
    "Actor",
    "GazetteerError",
    "Place",
    "Tagger",
    "Tags",
    "merge",
    "parse_gazetteer",
    "shipped",
    "tags_for",
]
