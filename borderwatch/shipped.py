"""The shipped, commented config files (config/ in the repo, installed as package data)."""

from __future__ import annotations

from importlib import resources

FILES = ("sources.yaml", "keywords.yaml", ".env.example")


def read(name: str) -> str:
    return resources.files("borderwatch.defaults").joinpath(name).read_text(encoding="utf-8")
