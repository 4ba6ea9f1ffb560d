"""The result comparisons: each row of the comparison pattern (queries/fragments/result-comparisons.rq)
as an hcc:ResultComparison, computed once by the build from the ontology, asserted and inferred
graphs, and added to the inferred graph. The canned results queries read these rows
(queries/fragments/comparison.rq) instead of evaluating the pattern, which Virtuoso 7.2 answered
wrongly and rdflib's engine took 7-20 s for."""

from __future__ import annotations

import hashlib

from rdflib import RDF, Graph, URIRef

from hcc_kg.build.validate import rdflib_term
from hcc_kg.vocab import HCC, RES

PREFIXES = "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in (
    ("hcc", str(HCC)), ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"), ("prov", "http://www.w3.org/ns/prov#"),
    ("oa", "http://www.w3.org/ns/oa#"), ("skos", "http://www.w3.org/2004/02/skos/core#")))

#: pattern column -> the property its value is written with (left out where the pattern leaves it
#: unbound or empty: comparison.rq reads a missing subgroup, control or direction as "")
COLUMNS = {
    "cmp_study": HCC.resultStudy, "cmp_experimental_arm": HCC.resultArm, "cmp_endpoint": HCC.resultEndpoint,
    "subgroup": HCC.resultSubgroup, "phases": HCC.resultPhases, "lines": HCC.resultLines,
    "experimental": HCC.resultExperimental, "experimental_value": HCC.resultExperimentalValue,
    "control": HCC.resultControl, "control_value": HCC.resultControlValue, "hr": HCC.resultHazardRatio,
    "p": HCC.resultPValue, "direction": HCC.resultDirection, "primary_endpoint": HCC.resultPrimaryEndpoint,
    "effect_source": HCC.resultEffectSource, "hr_high": HCC.resultHazardRatioHigh,
    "ci_high": HCC.resultCIUpperHigh, "p_high": HCC.resultPValueHigh,
}
NO_CONTROL = str(HCC) + "noControl"  # the pattern's control arm of an arm without one: no triple


def select_all(name: str) -> str:
    """``SELECT *`` over the fragment queries/fragments/NAME.rq, with the prefixes it uses."""
    from hcc_kg.answer.catalogue import fragment

    return PREFIXES + "SELECT * WHERE {\n" + fragment(name) + "\n}"


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def result_comparisons(quads: str) -> Graph:
    """One hcc:ResultComparison per row of the comparison pattern on the N-Quads ``quads`` (the
    ontology, asserted and inferred graphs), but for the row without a control of an arm that has
    a row with one for the same endpoint and subgroup (an arm of a study without a control arm,
    compared by a between-arm statistic with another arm: a low-dose with a standard-dose group):
    its result belongs with that statistic. The IRI names the arm, the control arm and the
    endpoint (``result/ARM--vs-CONTROL--ENDPOINT``, a hash of the subgroup appended for a
    subgroup's row)."""
    from hcc_kg.answer.store import store_of

    rows = list(store_of(quads).query(select_all("result-comparisons"), use_default_graph_as_union=True))

    def key(row) -> tuple[str, str, str]:
        return row["cmp_experimental_arm"].value, row["cmp_endpoint"].value, row["subgroup"].value

    controlled = {key(row) for row in rows if row["cmp_control_arm"].value != NO_CONTROL}
    out = Graph()
    for row in rows:
        arm, endpoint, subgroup = key(row)
        control = row["cmp_control_arm"].value
        if control == NO_CONTROL and (arm, endpoint, subgroup) in controlled:
            continue
        name = f"{_local(arm)}--vs-{_local(control) if control != NO_CONTROL else 'none'}--{_local(endpoint)}"
        if subgroup:
            name += "--" + hashlib.sha256(subgroup.encode()).hexdigest()[:8]
        node = RES["result"][name]
        out.add((node, RDF.type, HCC.ResultComparison))
        if control != NO_CONTROL:
            out.add((node, HCC.resultControlArm, URIRef(control)))
        for column, prop in COLUMNS.items():
            if row[column] is not None and row[column].value != "":
                out.add((node, prop, rdflib_term(row[column])))
    return out
