"""Sources: byte-for-byte copies of the seeds, refused when a checksum changes."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from hcc_kg.build.sources import load_sources, locate
from hcc_kg.constants import MANIFEST, ROOT, SOURCES
from hcc_kg.errors import HccKgError


def test_sources_are_the_seeds_byte_for_byte():
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.exists():
        pytest.skip("shared/seeds is not beside this checkout")
    for seed in seeds.glob("*.txt"):
        assert (SOURCES / seed.name).read_bytes() == seed.read_bytes()


def test_manifest_checksums_match():
    sources = load_sources()
    assert set(sources) == {"s000", "s001"}
    for source in sources.values():
        assert hashlib.sha256((SOURCES / source.file).read_bytes()).hexdigest() == source.sha256
    assert sources["s001"].licence.startswith("Creative Commons Attribution-NonCommercial-NoDerivatives 4.0")
    assert sources["s000"].licence is None  # s000 states no licence


def test_changed_source_is_refused(tmp_path):
    for path in SOURCES.iterdir():
        shutil.copy(path, tmp_path / path.name)
    edited = tmp_path / "000_bbfc595fc6a840bf.txt"
    edited.write_bytes(edited.read_bytes().replace(b"nivolumab", b"nivolumad", 1))
    with pytest.raises(HccKgError, match=r"000_bbfc595fc6a840bf.txt: checksum mismatch for source s000"):
        load_sources.__wrapped__(tmp_path / MANIFEST.name)


def test_locate_gives_offsets_and_closest_passage():
    text = load_sources()["s001"].text
    start, end = locate(text, "mOS (19.2 vs. 13.4 months")
    assert text[start:end] == "mOS (19.2 vs. 13.4 months"
    with pytest.raises(ValueError) as err:
        locate(text, "mOS (19.2 vs. 13.5 months")
    assert "mOS (19.2 vs. 13.4" in err.value.args[0]
