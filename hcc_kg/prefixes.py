"""One prefix map for every external identifier, shared by the RDF release, SSSOM and KGX.

The map is Biolink's (``biolink_model/prefixmaps/biolink-model-prefix-map.json`` in the pinned
``biolink-model`` package), read through ``curies``. Its expansions are the IRIs other datasets
use: OBO PURLs (CHEBI, NCIT, MONDO, DOID), MeSH's own RDF (``http://id.nlm.nih.gov/mesh/``),
UniProt's (``http://purl.uniprot.org/uniprot/``), EFO's, and identifiers.org where a registry
publishes no RDF (HGNC, NCBI Gene, DrugBank, UNII, ClinicalTrials.gov, HGNC gene groups).
Exceptions, where a registry's own RDF differs from the map or the map has no prefix:

- ChEMBL: ChEMBL-RDF's ``http://rdf.ebi.ac.uk/resource/chembl/molecule/`` (the map: identifiers.org);
- Wikidata: ``http://www.wikidata.org/entity/``, as Wikidata's RDF writes it (the map: https);
- FamPlex (no Biolink prefix, no RDF of its own): ``http://identifiers.org/fplx/``.

graph/facts/xrefs.yaml writes CURIEs with Bioregistry prefixes ("unii:", "mesh:"); ``BIOLINK``
names the Biolink prefix of each. A registry's page for people (Bioregistry's provider IRI) is
``rdfs:seeAlso`` in the graph, never a match.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

import bioregistry
import curies

from hcc_kg.errors import HccKgError

MAP_FILE = "biolink-model-prefix-map.json"
#: Bioregistry prefix (as in graph/facts/xrefs.yaml) -> the Biolink model's prefix for it
BIOLINK = {
    "chebi": "CHEBI", "drugbank": "DRUGBANK", "ncit": "NCIT", "chembl.compound": "CHEMBL.COMPOUND",
    "unii": "UNII", "wikidata": "WIKIDATA", "mesh": "MESH", "hgnc": "HGNC", "ncbigene": "NCBIGene",
    "uniprot": "UniProtKB", "hgnc.genegroup": "HGNC.FAMILY", "mondo": "MONDO", "doid": "DOID",
    "efo": "EFO", "clinicaltrials": "CLINICALTRIALS", "fplx": "FPLX",
}
#: the registry's own RDF namespace where the map says otherwise, or a prefix the map lacks
EXCEPTIONS = {
    "CHEMBL.COMPOUND": "http://rdf.ebi.ac.uk/resource/chembl/molecule/",
    "WIKIDATA": "http://www.wikidata.org/entity/",
    "FPLX": "http://identifiers.org/fplx/",
}
#: Biolink prefixes that no KGX consumer knows (not in the Biolink model's map)
NOT_IN_BIOLINK = frozenset(p for p in EXCEPTIONS if p == "FPLX")


def biolink_map() -> dict[str, str]:
    text = (files("biolink_model") / "prefixmaps" / MAP_FILE).read_text(encoding="utf-8")
    return json.loads(text)


@cache
def converter() -> curies.Converter:
    """Biolink's map with the exceptions, restricted to the prefixes the graph uses."""
    full = biolink_map()
    chosen = {p: EXCEPTIONS.get(p) or full[p] for p in sorted(BIOLINK.values())}
    return curies.Converter.from_prefix_map(chosen)


def biolink_curie(curie: str) -> str:
    """A Bioregistry CURIE (xrefs.yaml) in Biolink's spelling: unii:52CMI0WC3Y -> UNII:52CMI0WC3Y."""
    prefix, _, local = curie.partition(":")
    norm = bioregistry.normalize_prefix(prefix) or prefix.lower()
    if norm not in BIOLINK or not local:
        raise HccKgError(f"{curie!r}: prefix {prefix!r} is not in the project's prefix map "
                         f"(known: {', '.join(sorted(BIOLINK))})")
    return f"{BIOLINK[norm]}:{local}"


def expand(curie: str) -> str:
    """The IRI other datasets use for an identifier written as a Bioregistry CURIE."""
    return converter().expand_strict(biolink_curie(curie))


def compress(iri: str) -> str | None:
    """An identifier IRI -> its Biolink CURIE, or None when the IRI is no identifier of the map."""
    return converter().compress(iri)


@cache  # a build asks for the same ~500 pages every time it emits (Bioregistry looks each up in 0.3 ms)
def page(curie: str) -> str | None:
    """The registry's page for people (Bioregistry's provider IRI), unless it is the identifier IRI."""
    iri = bioregistry.get_iri(curie)
    return iri if iri and iri != expand(curie) else None


def namespaces() -> dict[str, str]:
    """Biolink prefix -> IRI namespace, as used (for SSSOM's curie_map and KGX's metadata)."""
    return dict(converter().prefix_map)
