"""All paths and base IRIs, resolved from the package location (never the working directory)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "hcc.ttl"
SHAPES = ROOT / "ontology" / "shapes.ttl"
TERM_SOURCES = ROOT / "ontology" / "term-sources.yaml"
SOURCES = ROOT / "graph" / "sources"
MANIFEST = SOURCES / "manifest.yaml"
FACTS = ROOT / "graph" / "facts"
RELEASE = ROOT / "graph" / "release"
QUERIES = ROOT / "queries"
QC_QUERIES = QUERIES / "qc"
#: the web's stylesheets and scripts (the site copies them; `hcc-kg serve` serves them)
STATIC = ROOT / "hcc_kg" / "web" / "static"
#: pinned registry wheels (hcc-kg registries fetch); read by the curation step, never by the build
REGISTRY_CACHE = ROOT / ".cache" / "registries"
#: the Biolink JSON-LD context LinkML generates for kgx (hcc_kg/export/kgx_offline.py), made once
KGX_CACHE = ROOT / ".cache" / "kgx"

#: seconds `hcc-kg load` may take in all (every request, the read-back included)
LOAD_DEADLINE = 300.0

RELEASE_TTL = "hcc-kg.ttl"
RELEASE_NQ = "hcc-kg.nq"
RECEIPT = "build-receipt.json"

ONTOLOGY_IRI = "https://w3id.org/hcc-kg/ontology"
HCC = ONTOLOGY_IRI + "#"
RESOURCE = "https://w3id.org/hcc-kg/resource/"
GRAPH = "https://w3id.org/hcc-kg/graph/"
#: the dataset the release describes (VoID, DCAT)
DATASET_IRI = "https://w3id.org/hcc-kg/"
KINDS = ("drug", "target", "disease", "therapy", "regimen", "study", "arm", "measurement", "comparison", "result",
         "approval", "recommendation", "mechanism", "biomarker", "evidence", "source", "statement", "cell",
         "correction", "claim", "dose", "doubt", "link", "registry")

#: query engines (hcc-kg query, hcc_kg.query, hcc-kg serve): the one home of their defaults
QUERY_TIMEOUT = 30.0  # seconds a query may run before its engine process is stopped
ENGINE_MEMORY_MB = 2048  # address-space limit of each engine process
ENGINE_WORKERS = 4  # general engine processes behind hcc-kg serve
RESERVED_ENGINES = 1  # more engines hcc-kg serve keeps for clients whose queries are quick
PER_CLIENT = 2  # queries one client may have running or waiting in hcc-kg serve
READ_TIMEOUT = 10.0  # seconds a request to hcc-kg serve may take to arrive whole
