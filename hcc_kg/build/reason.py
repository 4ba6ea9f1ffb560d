"""Reason stage: HermiT (through owlready2) classifies drugs and regimens into the defined classes.

The reasoner sees the ontology and only the individuals whose classes matter (drugs, targets,
therapies, regimens), each regimen closed with "at most N components" so that monotherapy can
be inferred. Disputed drug-target claims are not plain triples, so they never reach it.
"""

from __future__ import annotations

import tempfile
from itertools import combinations
from pathlib import Path

from rdflib import OWL, RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import XSD

from hcc_kg.errors import HccKgError
from hcc_kg.vocab import HCC

FED = (HCC.Drug, HCC.MolecularTarget, HCC.Therapy, HCC.Regimen)
EDGES = (HCC.inhibits, HCC.hasComponent, HCC.biosimilarOf)


def reasoner_input(ontology: Graph, asserted: Graph) -> Graph:
    """The ontology plus the typed individuals and edges the defined classes depend on."""
    graph = Graph()
    graph += ontology
    top = set(FED)
    for cls in FED:
        top |= set(ontology.transitive_subjects(RDFS.subClassOf, cls))
    individuals = {s for s, o in asserted.subject_objects(RDF.type) if o in top}
    for s in individuals:
        graph.add((s, RDF.type, OWL.NamedIndividual))
        for o in asserted.objects(s, RDF.type):
            graph.add((s, RDF.type, o))
        for p in EDGES:
            for o in asserted.objects(s, p):
                graph.add((s, p, o))
        if (s, RDF.type, HCC.Regimen) in asserted:
            components = sorted(set(asserted.objects(s, HCC.hasComponent)))
            closure = BNode()
            graph.add((closure, RDF.type, OWL.Restriction))
            graph.add((closure, OWL.onProperty, HCC.hasComponent))
            graph.add((closure, OWL.maxCardinality, Literal(len(components), datatype=XSD.nonNegativeInteger)))
            graph.add((s, RDF.type, closure))
            # a regimen's components are distinct individuals, or "at most N" says nothing; only
            # they need saying so (all 342 individuals different made HermiT take 13 s, not 4)
            if len(components) > 1:
                different, members = BNode(), BNode()
                graph.add((different, RDF.type, OWL.AllDifferent))
                Collection(graph, members, components)
                graph.add((different, OWL.distinctMembers, members))
    return graph


def explain(ontology: Graph, graph: Graph) -> str:
    """Individuals whose asserted classes (with their superclasses) are declared disjoint."""
    def closure(cls: URIRef) -> set[URIRef]:
        return {cls, *ontology.transitive_objects(cls, RDFS.subClassOf)}

    groups = [list(Collection(ontology, ontology.value(n, OWL.members)))
              for n in ontology.subjects(RDF.type, OWL.AllDisjointClasses)]
    lines = []
    for s in sorted({s for s in graph.subjects(RDF.type) if isinstance(s, URIRef)}):
        classes = set()
        for cls in graph.objects(s, RDF.type):
            if isinstance(cls, URIRef):
                classes |= closure(cls)
        for group in groups:
            for a, b in combinations(group, 2):
                if a in classes and b in classes:
                    lines.append(f"{s} is both {a.fragment} and {b.fragment}, which are disjoint")
    return "; ".join(lines) or "no individual is asserted in two disjoint classes; check the class axioms"


def reason(ontology: Graph, asserted: Graph) -> Graph:
    """Inferred rdf:type triples (named hcc classes not already asserted); stops on inconsistency."""
    import owlready2

    graph = reasoner_input(ontology, asserted)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reasoner-input.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        try:
            world.get_ontology(path.as_uri()).load(format="ntriples")
            with world.get_ontology("http://hcc-kg.invalid/inferences#"):
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            raise HccKgError(f"the ontology with the data is inconsistent (HermiT): {explain(ontology, graph)}") from None
        except owlready2.OwlReadyJavaError as err:
            raise HccKgError(f"the reasoner failed to run (is Java installed?): {err}") from None
        unsatisfiable = [c.iri for c in world.inconsistent_classes()]
        if unsatisfiable:
            raise HccKgError(f"unsatisfiable classes (HermiT): {', '.join(sorted(unsatisfiable))}")
        inferred = Graph()
        hcc = str(HCC)
        for individual in world.individuals():
            s = URIRef(individual.iri)
            for cls in individual.INDIRECT_is_a:
                iri = getattr(cls, "iri", None)
                triple = (s, RDF.type, URIRef(iri)) if iri else None
                if triple and iri.startswith(hcc) and triple not in asserted and triple not in ontology:
                    inferred.add((s, RDF.type, URIRef(iri)))
        world.close()
    return inferred
