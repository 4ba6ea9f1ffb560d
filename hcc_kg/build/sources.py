"""Sources stage: the seed reviews, checked against the manifest, and quote location in them."""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from hcc_kg.constants import MANIFEST
from hcc_kg.errors import HccKgError


@dataclass(frozen=True)
class Source:
    """One seed review as listed in the manifest, with its verified text."""

    id: str
    file: str
    title: str | None
    journal: str | None
    year: int | None
    licence: str | None
    sha256: str
    text: str


#: libyaml's safe loader where PyYAML was built with it (its wheels for Linux, macOS and Windows are)
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> object:
    """Parse a YAML file (safe types only, with libyaml: the facts load 9x faster than with the
    pure-Python parser); a syntax error names the file, line and column."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None) or str(err)
        raise HccKgError(f"{path}{where}: malformed YAML: {problem}") from None
    except UnicodeDecodeError as err:
        raise HccKgError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise HccKgError(f"{path}: cannot read: {err.strerror}") from None


@cache
def load_sources(manifest: Path = MANIFEST) -> dict[str, Source]:
    """Every source of the manifest, its checksum verified; a mismatch stops the build."""
    entries = read_yaml(manifest)
    if not isinstance(entries, list):
        raise HccKgError(f"{manifest}: expected a list of sources")
    sources = {}
    for i, entry in enumerate(entries, 1):
        try:
            path = manifest.parent / entry["file"]
            data = path.read_bytes()
            source = Source(
                id=entry["id"], file=entry["file"], title=entry.get("title"),
                journal=entry.get("journal"), year=entry.get("year"),
                licence=entry.get("licence"), sha256=entry["sha256"],
                text=data.decode("utf-8"),
            )
        except (KeyError, TypeError) as err:
            raise HccKgError(f"{manifest}: source #{i}: missing field {err}") from None
        except OSError as err:
            raise HccKgError(f"{manifest}: source #{i}: cannot read {entry['file']}: {err.strerror}") from None
        actual = hashlib.sha256(data).hexdigest()
        if actual != source.sha256:
            raise HccKgError(
                f"{path}: checksum mismatch for source {source.id}: manifest says "
                f"{source.sha256}, file has {actual}; sources are never edited"
            )
        sources[source.id] = source
    return sources


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise HccKgError(f"{path}: not UTF-8 text (byte {err.start})") from None
    except OSError as err:
        raise HccKgError(f"{path}: cannot read: {err.strerror}") from None


def locate(text: str, quote: str, occurrence: int = 1) -> tuple[int, int]:
    """Offsets (start, end) of the n-th verbatim occurrence of ``quote``; ValueError if absent."""
    start = -1
    for _ in range(occurrence):
        start = text.find(quote, start + 1)
        if start < 0:
            raise ValueError(closest_passage(text, quote))
    return start, start + len(quote)


def count(text: str, quote: str) -> int:
    """How many times ``quote`` occurs (overlaps included)."""
    n, start = 0, text.find(quote)
    while start >= 0:
        n, start = n + 1, text.find(quote, start + 1)
    return n


def closest_passage(text: str, quote: str) -> str:
    """The passage of ``text`` most like ``quote``, for an error message."""
    matcher = difflib.SequenceMatcher(None, text, quote, autojunk=False)
    match = matcher.find_longest_match(0, len(text), 0, len(quote))
    start = max(0, match.a - match.b)
    return text[start : start + len(quote) + 20].replace("\n", " ")
