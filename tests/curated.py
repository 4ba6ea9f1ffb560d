"""The curated YAML files of a scratch copy of graph/facts, parsed for a test to break and save back."""

from __future__ import annotations

import yaml


def write_yaml(path, data) -> None:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def curated(facts_copy, name):
    """A curated file's parsed content from the scratch copy, and a function to save it back."""
    path = facts_copy / name
    return yaml.safe_load(path.read_text(encoding="utf-8")), lambda data: write_yaml(path, data)
