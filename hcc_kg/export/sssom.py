"""The graph's mappings as an SSSOM table (graph/release/hcc-kg.sssom.tsv, metadata embedded).

Three kinds of row, each with its justification and where it was confirmed:
- entity links from graph/facts/xrefs.yaml (confirmed_in -> see_also, the excerpt -> comment);
- trials linked to ClinicalTrials.gov by an NCT number the sources themselves state;
- ontology terms linked in ontology/hcc.ttl, confirmed in ontology/term-sources.yaml.
Identifier CURIEs and their IRIs come from the project's one prefix map (hcc_kg.prefixes: Biolink's,
with the registries' own RDF namespaces as exceptions), the same the RDF and KGX files use;
ontology terms outside it from Bioregistry. Every prefix used is in the embedded curie_map.
"""

from __future__ import annotations

import csv
import io
import re

import bioregistry
from rdflib import RDFS, SKOS, Graph, URIRef

from hcc_kg import __version__, prefixes
from hcc_kg.build.facts import Facts, read_records
from hcc_kg.build.lexicon import build_lexicon
from hcc_kg.build.sources import Source
from hcc_kg.constants import HCC, ONTOLOGY_IRI, RESOURCE, TERM_SOURCES
from hcc_kg.errors import HccKgError
from hcc_kg.models import RegistryFile, TermSource, Xref
from hcc_kg.vocab import HCC as HCCNS

COLUMNS = ["subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "reviewer_label", "mapping_provider", "see_also", "comment"]
MANUAL = "semapv:ManualMappingCuration"
LEXICAL = "semapv:LexicalMatching"  # an exact (normalised) name match in a pinned registry file
CHAINED = "semapv:MappingChaining"  # from a matched id along the registry file's own cross-reference
REVIEWER = "hcc-kg curators"
PREDICATES = {SKOS.exactMatch: "skos:exactMatch", SKOS.closeMatch: "skos:closeMatch",
              SKOS.narrowMatch: "skos:narrowMatch", SKOS.relatedMatch: "skos:relatedMatch",
              RDFS.subPropertyOf: "rdfs:subPropertyOf"}
FIXED_PREFIXES = {"hcc": HCC, "skos": str(SKOS), "rdfs": str(RDFS), "semapv": "https://w3id.org/semapv/vocab/",
                  "schema": "https://schema.org/", "biolink": "https://w3id.org/biolink/vocab/"}


class Curies:
    """Compresses IRIs with Bioregistry's prefixes (and ours), remembering each prefix used."""

    def __init__(self) -> None:
        self.used: dict[str, str] = {}

    def add(self, prefix: str, uri_prefix: str) -> str:
        if self.used.setdefault(prefix, uri_prefix) != uri_prefix:
            raise HccKgError(f"SSSOM: prefix {prefix!r} stands for two IRI prefixes")
        return prefix

    def of_curie(self, curie: str) -> str:
        """A Bioregistry CURIE (xrefs.yaml) as the project's prefix map writes it (hcc_kg.prefixes)."""
        prefix, local = prefixes.biolink_curie(curie).split(":", 1)
        return f"{self.add(prefix, prefixes.namespaces()[prefix])}:{local}"

    def of_iri(self, iri: str) -> str:
        for prefix, uri_prefix in FIXED_PREFIXES.items():
            if iri.startswith(uri_prefix):
                return f"{self.add(prefix, uri_prefix)}:{iri[len(uri_prefix):]}"
        if iri.startswith(RESOURCE):  # our entities: drug:..., target:..., study:...
            kind, _, local = iri[len(RESOURCE):].partition("/")
            return f"{self.add(kind, RESOURCE + kind + '/')}:{local}"
        known = prefixes.compress(iri)
        if known:
            prefix, local = known.split(":", 1)
            return f"{self.add(prefix, prefixes.namespaces()[prefix])}:{local}"
        parsed = bioregistry.parse_iri(iri)  # an ontology term outside the map (OBI, STATO, ...)
        if parsed is None:
            raise HccKgError(f"SSSOM: no Bioregistry prefix for {iri}")
        prefix, local = parsed
        uri_prefix = bioregistry.get_uri_prefix(prefix)
        if not uri_prefix or uri_prefix + local != iri:
            raise HccKgError(f"SSSOM: {iri} does not expand by a plain IRI prefix")
        preferred = bioregistry.get_preferred_prefix(prefix) or bioregistry.normalize_prefix(prefix) or prefix
        return f"{self.add(preferred, uri_prefix)}:{local}"


def confirmation(confirmed_in: str, evidence: str) -> dict[str, str]:
    """see_also (a URL: a page, or a GitHub file at its commit) and comment (the excerpt)."""
    excerpt = " ".join(evidence.split())
    if confirmed_in.startswith(("http://", "https://")):
        return {"see_also": confirmed_in, "comment": excerpt}
    file = re.fullmatch(r"(\S+/\S+) (\S+) \(commit ([0-9a-f]{40})\)", confirmed_in)
    if file:
        repo, path, commit = file.groups()
        return {"see_also": f"https://github.com/{repo}/blob/{commit}/{path}", "comment": excerpt}
    return {"see_also": "", "comment": f"confirmed in {confirmed_in}: {excerpt}"}


def registry_confirmation(xref: Xref, file: RegistryFile) -> dict[str, str]:
    """A link confirmed by a row of a pinned registry file: the package release as provider and
    see_also, the file, its sha256, the row and the row's text as comment; a curator reviewed it."""
    provider = f"https://pypi.org/project/{file.package}/{file.version}/"
    how = f"via {xref.via}, " if xref.via else ""
    reason = f" Curator: {xref.reason}" if xref.reason else ""
    return {"mapping_justification": CHAINED if xref.via else LEXICAL, "reviewer_label": REVIEWER,
            "mapping_provider": provider, "see_also": provider,
            "comment": f"{how}{file.package}=={file.version} {file.path} (sha256 {file.sha256}) row {xref.row}: "
                       f"{' '.join(xref.evidence.split())}{reason}"}


def rows(facts: Facts, asserted: Graph, ontology: Graph, sources: dict[str, Source], curies: Curies) -> list[dict]:
    lexicon = build_lexicon(facts)
    files = {f.id: f for f in facts.of("registry-files")}
    out = []
    for where, mapping in facts.where("xrefs"):
        entity = lexicon.resolve(mapping.name, where, (mapping.kind,))
        for xref in mapping.xrefs:
            confirmed = (registry_confirmation(xref, files[xref.registry]) if xref.registry else
                         {"mapping_justification": MANUAL, **confirmation(xref.confirmed_in, xref.evidence)})
            out.append({"subject_id": f"{curies.add(entity.kind, RESOURCE + entity.kind + '/')}:{entity.slug}",
                        "subject_label": mapping.name, "predicate_id": f"skos:{xref.predicate}",
                        "object_id": curies.of_curie(xref.curie), **confirmed})
    for study, registry_id in asserted.subject_objects(HCCNS.registryId):
        if not str(registry_id).startswith("NCT"):
            continue
        stated = sorted(RESOURCE + "source/" + s.id for s in sources.values() if str(registry_id) in s.text)
        out.append({"subject_id": curies.of_iri(str(study)), "subject_label": str(asserted.value(study, RDFS.label)),
                    "predicate_id": "skos:exactMatch", "object_id": curies.of_curie(f"clinicaltrials:{registry_id}"),
                    "mapping_justification": MANUAL, "see_also": "|".join(stated),
                    "comment": f"The source states the registry number {registry_id} for this study."})
    confirmed = {term.iri: term for _, term in read_records(TERM_SOURCES, TermSource)}
    for predicate, name in PREDICATES.items():
        for subject, target in ontology.subject_objects(predicate):
            if not (isinstance(subject, URIRef) and str(subject).startswith(ONTOLOGY_IRI)):
                continue
            if str(target).startswith(ONTOLOGY_IRI):
                continue  # hcc's own property hierarchy
            term = confirmed.get(str(target))
            if term is None:
                raise HccKgError(f"{TERM_SOURCES}: no confirmation for {target}, linked from {subject} in the ontology")
            out.append({"subject_id": curies.of_iri(str(subject)),
                        "subject_label": str(ontology.value(subject, RDFS.label) or ""),
                        "predicate_id": name, "object_id": curies.of_iri(str(target)), "object_label": term.label,
                        "mapping_justification": MANUAL, **confirmation(term.confirmed_in, term.evidence)})
    return sorted(out, key=lambda r: (r["subject_id"], r["predicate_id"], r["object_id"]))


def sssom_table(facts: Facts, asserted: Graph, ontology: Graph, sources: dict[str, Source]) -> str:
    curies = Curies()
    table = rows(facts, asserted, ontology, sources, curies)
    meta = [
        "mapping_set_id: https://w3id.org/hcc-kg/hcc-kg.sssom.tsv",
        f"mapping_set_version: {__version__}",
        "mapping_set_title: hcc-kg links to external identifiers and ontologies",
        "license: https://creativecommons.org/licenses/by/4.0/",
        "creator_label:", "- hcc-kg curators",
        "curie_map:", *[f"  {p}: {u}" for p, u in sorted(curies.used.items())],
    ]
    out = io.StringIO()
    out.write("".join(f"#{line}\n" for line in meta))
    writer = csv.DictWriter(out, COLUMNS, delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    return out.getvalue()
