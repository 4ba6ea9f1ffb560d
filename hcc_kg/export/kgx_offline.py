"""Run the `kgx` command line (kgx 2.6+) offline, with our CURIE prefixes registered.

kgx reaches for the network as it is imported: bmt's ``Toolkit()`` downloads the Biolink schema
and a predicate map from GitHub, and kgx's prefix manager downloads JSON-LD contexts. This
wrapper points both at local files before kgx is imported:

- bmt's ``Toolkit`` defaults: the schema that the installed ``biolink-model`` package ships, and
  an empty predicate map (it is only used to map legacy predicates, which we do not emit);
- ``kgx.config.jsonld_context_map``: the Biolink JSON-LD context generated from that schema by
  LinkML (6 s, so made once and kept in ``.cache/kgx/``, named by the schema and LinkML's
  version), plus our ``hcckg.*`` prefixes from the KGX metadata file (``hcc-kg_metadata.json``
  beside the input files, else the release's); and
  prefixcommons' bundled Monarch and OBO contexts.

Usage, exactly like ``kgx``: ``python -m hcc_kg.export.kgx_offline validate -i tsv NODES EDGES``.
Needs the ``test`` extra (kgx); not used by the build.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.resources import files
from pathlib import Path

from hcc_kg.constants import KGX_CACHE, RELEASE
from hcc_kg.export.kgx import METADATA


def biolink_schema() -> Path:
    return Path(str(files("biolink_model") / "schema" / "biolink_model.yaml"))


def biolink_context(schema: Path, cache: Path = KGX_CACHE) -> dict:
    """The JSON-LD context LinkML generates from the schema, generated once per schema file and
    LinkML version."""
    from importlib.metadata import version

    key = hashlib.sha256(schema.read_bytes() + version("linkml").encode()).hexdigest()
    kept = cache / f"biolink-context-{key}.json"
    if not kept.is_file():
        from linkml.generators.jsonldcontextgen import ContextGenerator

        cache.mkdir(parents=True, exist_ok=True)
        partial = kept.with_suffix(f".{os.getpid()}.partial")  # other processes may be writing it too
        partial.write_text(ContextGenerator(str(schema)).serialize(), encoding="utf-8")
        partial.replace(kept)
    return json.loads(kept.read_text(encoding="utf-8"))["@context"]


def configure(metadata: Path = RELEASE / METADATA) -> None:
    """Point bmt and kgx at local files (call before importing any kgx module)."""
    import bmt.toolkit
    import prefixcommons

    schema = biolink_schema()
    bmt.toolkit.Toolkit.__init__.__defaults__ = (str(schema), {"predicate mappings": []})
    context = biolink_context(schema)
    context.update(json.loads(metadata.read_text(encoding="utf-8"))["curie_map"])

    import kgx.config

    kgx.config.jsonld_context_map["biolink"] = context
    registry = Path(prefixcommons.__file__).parent / "registry"
    for name in ("monarch_context", "obo_context"):
        text = (registry / f"{name}.jsonld").read_text(encoding="utf-8")
        kgx.config.jsonld_context_map[name] = json.loads(text)["@context"]

    # kgx makes two identical default Toolkits (3 s each): its module's `tk`, and get_toolkit()'s
    # on first call; the second is the first
    import kgx.utils.kgx_utils

    kgx.utils.kgx_utils._default_toolkit = kgx.utils.kgx_utils.tk


def metadata_beside(args: list[str]) -> Path:
    """The KGX metadata file beside the first input file that has one, else the release's."""
    for arg in args:
        candidate = Path(arg).parent / Path(METADATA).name
        if candidate.is_file():
            return candidate
    return RELEASE / METADATA


def main() -> None:
    configure(metadata_beside(sys.argv[1:]))
    from kgx.cli import cli

    sys.exit(cli())


if __name__ == "__main__":
    main()
