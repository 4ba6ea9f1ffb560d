"""Writing the release: every file serialised in memory, then written all or nothing (a new folder
swapped in with one rename) with its build receipt."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

from rdflib import Graph

from hcc_kg import __version__
from hcc_kg.constants import (
    FACTS,
    MANIFEST,
    ONTOLOGY,
    QUERIES,
    RECEIPT,
    RELEASE,
    ROOT,
    SHAPES,
    SOURCES,
    TERM_SOURCES,
)
from hcc_kg.errors import HccKgError
from hcc_kg.publish.formats import DOCS, RELEASE_ONTOLOGY, VOID_FILE, WRITERS, statements
from hcc_kg.publish.metadata import describe_files, ontology_version
from hcc_kg.receipt import sha256

LIBRARIES = ("rdflib", "owlready2", "pyshacl", "pyoxigraph", "pydantic", "PyYAML", "click", "bioregistry", "biolink-model",
             "curies", "pylode")


def inputs() -> list[Path]:
    """Every file the build reads (the canned queries too: their texts are in the metadata graph);
    its sha256 goes into the receipt."""
    files = [MANIFEST, ONTOLOGY, SHAPES, TERM_SOURCES, *sorted(SOURCES.glob("*.txt")),
             *sorted(FACTS.rglob("*.yaml")), *sorted(QUERIES.rglob("*.rq"))]
    return [f for f in files if f.exists()]


def receipt(graphs: dict[str, Graph], files: dict[str, str]) -> str:
    body = {
        "package": {"hcc-kg": __version__},
        "versions": {"data": __version__, "ontology": ontology_version(graphs["ontology"])},
        "python": platform.python_version(),
        "libraries": {lib: version(lib) for lib in LIBRARIES},
        "inputs": {str(p.relative_to(ROOT)): sha256(p) for p in inputs()},
        "triples": {name: len(g) for name, g in graphs.items()},
        "outputs": {name: hashlib.sha256(text.encode("utf-8")).hexdigest() for name, text in sorted(files.items())},
    }
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def write_release(graphs: dict[str, Graph], release: Path = RELEASE, documents: dict[str, str] | None = None) -> list[Path]:
    """Serialise the release in memory, then write it all or nothing (see :func:`writing`)."""
    lines = statements(graphs)
    files = {name: write(lines) for name, write in WRITERS.items()} | (documents or {})
    files[VOID_FILE] = describe_files(graphs["metadata"], files)
    files[RECEIPT] = receipt(graphs, files)
    for _ in writing(files, release):
        pass
    return [release / name for name in (*files, DOCS)]


def writing(files: dict[str, str], release: Path) -> Iterator[str]:
    """Write ``files`` as the new ``release`` folder, all or nothing, naming each step when done.

    The files go into a new folder beside ``release``; files of the old release that the build does
    not write (the committed KGX graph summary) are copied over; then one ``renameat2`` exchanges
    the two folders, so a reader or a crash at any step sees either the old release or the new one,
    whole. A folder left by a killed build is removed by the next one.
    """
    release.parent.mkdir(parents=True, exist_ok=True)
    for leftover in release.parent.glob(f".{release.name}-new-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    new = Path(tempfile.mkdtemp(prefix=f".{release.name}-new-", dir=release.parent))
    try:
        for name, text in files.items():
            (new / name).parent.mkdir(parents=True, exist_ok=True)  # kgx/ holds the KGX files
            (new / name).write_text(text, encoding="utf-8")
            yield name
        if RELEASE_ONTOLOGY in files:
            ontology_docs(new / RELEASE_ONTOLOGY, new / DOCS)
            yield DOCS
        if release.exists():
            for old in sorted(release.rglob("*")):
                if old.is_file() and not (new / old.relative_to(release)).exists():
                    (new / old.relative_to(release)).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(old, new / old.relative_to(release))
            yield "kept files the build does not write"
            exchange(new, release)
        else:
            os.rename(new, release)
        yield "swapped in"
    finally:
        shutil.rmtree(new, ignore_errors=True)  # the old release, after the exchange


def exchange(a: Path, b: Path) -> None:
    """Swap two folders in one step: Linux renameat2(RENAME_EXCHANGE). Elsewhere two renames, with a
    moment in which ``b`` is absent (said in the README)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if hasattr(libc, "renameat2"):
        at_fdcwd, rename_exchange = -100, 2
        if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) != 0:
            errno = ctypes.get_errno()
            raise HccKgError(f"{b}: could not swap in the new release: {os.strerror(errno)}")
        return
    aside = b.with_name(b.name + ".old")
    os.rename(b, aside)
    os.rename(a, b)
    os.rename(aside, a)


def ontology_docs(ontology: Path, html: Path) -> None:
    """The ontology's HTML documentation, by pyLODE. Not in the receipt and not committed: pyLODE
    orders blank-node restrictions differently from run to run, so its bytes are not stable."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "pylode", "--sort", "-o", str(html), str(ontology)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 or not html.exists():
        raise HccKgError(f"{ontology}: pyLODE could not document it: {done.stderr.strip()[-400:]}")
