"""Run the `kgx` command line (kgx 2.6+) offline, with our CURIE prefixes registered.

kgx reaches for the network as it is imported: bmt's ``Toolkit()`` downloads the Biolink schema
and a predicate map from GitHub, and kgx's prefix manager downloads JSON-LD contexts. This
wrapper points both at local files before kgx is imported:

- bmt's ``Toolkit`` defaults: the schema that the installed ``biolink-model`` package ships, and
  an empty predicate map (it is only used to map legacy predicates, which we do not emit);
- ``kgx.config.jsonld_context_map``: the Biolink JSON-LD context generated from that schema by
  LinkML, plus our ``hcckg.*`` prefixes from the KGX metadata file (``hcc-kg_metadata.json``
  beside the input files, else the release's); and
  prefixcommons' bundled Monarch and OBO contexts.

Usage, exactly like ``kgx``: ``python -m hcc_kg.export.kgx_offline validate -i tsv NODES EDGES``.
Needs the ``test`` extra (kgx); not used by the build.
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from pathlib import Path

from hcc_kg.constants import RELEASE
from hcc_kg.export.kgx import METADATA


def biolink_schema() -> Path:
    return Path(str(files("biolink_model") / "schema" / "biolink_model.yaml"))


def configure(metadata: Path = RELEASE / METADATA) -> None:
    """Point bmt and kgx at local files (call before importing any kgx module)."""
    import bmt.toolkit
    import prefixcommons
    from linkml.generators.jsonldcontextgen import ContextGenerator

    schema = str(biolink_schema())
    bmt.toolkit.Toolkit.__init__.__defaults__ = (schema, {"predicate mappings": []})
    context = json.loads(ContextGenerator(schema).serialize())["@context"]
    context.update(json.loads(metadata.read_text(encoding="utf-8"))["curie_map"])

    import kgx.config

    kgx.config.jsonld_context_map["biolink"] = context
    registry = Path(prefixcommons.__file__).parent / "registry"
    for name in ("monarch_context", "obo_context"):
        text = (registry / f"{name}.jsonld").read_text(encoding="utf-8")
        kgx.config.jsonld_context_map[name] = json.loads(text)["@context"]


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
