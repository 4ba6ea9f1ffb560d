"""Emit stage: curated and table records -> asserted triples (rdflib), IRIs from hcc_kg.vocab."""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from functools import cache

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from hcc_kg import models as m
from hcc_kg import prefixes
from hcc_kg.build.facts import Facts, Where, slugify
from hcc_kg.build.levels import assign_levels
from hcc_kg.build.lexicon import Entity, Lexicon, build_lexicon, regimen_label, regimen_slug
from hcc_kg.build.sources import Source, load_sources
from hcc_kg.build.table_facts import TableFacts, table_facts
from hcc_kg.build.tables import parse_tables
from hcc_kg.constants import ONTOLOGY
from hcc_kg.errors import HccKgError
from hcc_kg.vocab import (
    DOSE_UNITS,
    HCC,
    INTERVAL_UNITS,
    MONTH_ENDPOINTS,
    OA,
    RES,
    SEMAPV,
    SSSOM,
    UNITS,
    new_graph,
)

KIND_CLASS = {"drug": HCC.Drug, "target": HCC.MolecularTarget, "therapy": HCC.Therapy,
              "disease": HCC.Disease, "cell": HCC.CellType, "study": HCC.ClinicalStudy}
STATEMENT_PROPERTY = {
    "phase": HCC.phase, "line": HCC.lineOfTherapy, "enrollment": HCC.enrollment,
    "design": HCC.design, "population": HCC.population, "status": HCC.recruitmentStatus,
    "country": HCC.country, "dose": HCC.doseText, "patients": HCC.patientCount,
    "regimen": HCC.statedRegimen, "prior_regimen": HCC.priorRegimen, "child_pugh": HCC.childPughClass,
    "countries": HCC.countryCount, "centers": HCC.centerCount, "pooled_studies": HCC.pooledStudyCount,
    "evaluable": HCC.evaluablePatients,
}
#: words of a qualifier that state an adverse-event grade or kind, which must then be typed
GRADE_WORDS = re.compile(r"\bgrade|\bg[1-5]\b")
AE_KIND_WORDS = ("treatment-related", "treatment-emergent", "immune-related", "discontinu")
#: a curated field -> the ontology class whose members' notations it takes (not the query
#: parameters' value sets: those are hcc_kg.answer.store.VALUE_SETS)
NOTATION_CLASSES = {"phase": HCC.TrialPhase, "line": HCC.LineOfTherapy, "endpoint": HCC.Endpoint,
                    "criteria": HCC.ResponseCriteria, "agency": HCC.RegulatoryAgency,
                    "guideline": HCC.Guideline, "role": HCC.ArmRole, "type": HCC.ApprovalType,
                    "direction": HCC.EffectDirection, "grade": HCC.AEGrade, "ae_kind": HCC.AEKind}


@cache
def notations() -> dict[URIRef, dict[str, URIRef]]:
    """Value-set class -> {notation: individual}, read from the ontology (the one vocabulary file)."""
    ontology = Graph().parse(ONTOLOGY)
    out: dict[URIRef, dict[str, URIRef]] = {}
    for individual, notation in ontology.subject_objects(SKOS.notation):
        for cls in ontology.objects(individual, RDF.type):
            out.setdefault(cls, {})[str(notation)] = individual
    return out


@cache
def ae_defaults() -> dict[URIRef, tuple[URIRef, URIRef]]:
    """Adverse-event endpoint -> (grade range, kind) it names, read from the ontology."""
    ontology = Graph().parse(ONTOLOGY)
    return {e: (g, ontology.value(e, HCC.aeKind)) for e, g in ontology.subject_objects(HCC.aeGrade)
            if (e, RDF.type, HCC.Endpoint) in ontology}


def decimal(value: Decimal) -> Literal:
    """The canonical lexical form (46.0 -> "46"), so every engine prints the same; the quote keeps
    the printed form."""
    return Literal(format(value.normalize(), "f"), datatype=XSD.decimal)


class Emitter:
    def __init__(self, facts: Facts, lexicon: Lexicon, sources: dict[str, Source]):
        self.facts, self.lexicon, self.sources = facts, lexicon, sources
        self.g = new_graph()
        self.used: Counter[str] = Counter()
        self.known_arms: dict[str, set[str]] = {}

    # --- helpers -------------------------------------------------------------------------

    def iri(self, kind: str, slug: str, unique: bool = False) -> URIRef:
        """A stable IRI; with ``unique`` a repeated slug gets -2, -3 in input order."""
        slug = slugify(slug)
        if unique:
            self.used[f"{kind}/{slug}"] += 1
            n = self.used[f"{kind}/{slug}"]
            slug = slug if n == 1 else f"{slug}-{n}"
        return RES[kind][slug]

    def entity(self, entity: Entity) -> URIRef:
        return RES[entity.kind][entity.slug]

    def value(self, value_set: str, notation: str, where: str) -> URIRef:
        members = notations()[NOTATION_CLASSES[value_set]]
        if notation not in members:
            raise HccKgError(f"{where}: unknown {value_set} {notation!r}; allowed: {', '.join(sorted(members))}")
        return members[notation]

    def resolve(self, name: str, where: str, *kinds: str) -> URIRef:
        return self.entity(self.lexicon.resolve(name, where, kinds))

    def regimen(self, names: list[str], where: str) -> URIRef:
        parts = self.lexicon.regimen_parts(names, where)
        node = RES["regimen"][regimen_slug(parts)]
        self.g.add((node, RDF.type, HCC.Regimen))
        self.g.add((node, RDFS.label, Literal(regimen_label(parts), lang="en")))
        for part in parts:
            self.g.add((node, HCC.hasComponent, self.entity(part)))
        return node

    def evidence(self, fact: m.Sourced, node: URIRef) -> None:
        """``node`` prov:wasDerivedFrom the evidence: source, exact quote, offsets, table row."""
        start, end = self.facts.span(fact)
        ev = RES["evidence"][f"{fact.source}-{start}-{end}"]
        g = self.g
        g.add((node, PROV.wasDerivedFrom, ev))
        if fact.disputed:
            g.add((node, HCC.disputed, Literal(True)))
        if fact.note:
            g.add((node, HCC.curatorNote, Literal(fact.note)))
        if (ev, RDF.type, HCC.Evidence) in g:
            return
        quote, position = URIRef(f"{ev}#quote"), URIRef(f"{ev}#position")
        g.add((ev, RDF.type, HCC.Evidence))
        g.add((ev, OA.hasSource, RES["source"][fact.source]))
        g.add((ev, OA.hasSelector, quote))
        g.add((ev, OA.hasSelector, position))
        g.add((quote, RDF.type, OA.TextQuoteSelector))
        g.add((quote, OA.exact, Literal(self.sources[fact.source].text[start:end])))
        g.add((position, RDF.type, OA.TextPositionSelector))
        g.add((position, OA.start, Literal(start)))
        g.add((position, OA.end, Literal(end)))
        if fact.table:
            g.add((ev, HCC.tableName, Literal(fact.table)))
            g.add((ev, HCC.tableRow, Literal(fact.row)))

    def statement(self, subject: URIRef, stmt: m.Statement, where: str) -> None:
        """An attribute statement with its evidence; the plain triple too unless disputed."""
        prop = STATEMENT_PROPERTY[stmt.attribute]
        if stmt.regimen:
            obj = self.regimen(stmt.regimen, f"{where}, field regimen")
        elif stmt.attribute in ("phase", "line"):
            obj = self.value(stmt.attribute, str(stmt.value), f"{where}, attribute {stmt.attribute}")
        elif stmt.attribute in m.COUNT_ATTRIBUTES:
            obj = Literal(int(stmt.value))
        else:
            obj = Literal(str(stmt.value))
        local = str(subject).rsplit("/", 2)[-2:]
        node = self.iri("statement", f"{local[0]}-{local[1]}-{stmt.attribute}-{stmt.source}", unique=True)
        self.g.add((node, RDF.type, HCC.AttributeStatement))
        self.g.add((node, HCC.describes, subject))
        self.g.add((node, prop, obj))
        self.evidence(stmt, node)
        if not stmt.disputed and stmt.attribute != "regimen":  # an arm's own regimen is hcc:armRegimen
            self.g.add((subject, prop, obj))

    # --- records -------------------------------------------------------------------------

    def sources_(self) -> None:
        for source in self.sources.values():
            node = RES["source"][source.id]
            self.g.add((node, RDF.type, HCC.SourceDocument))
            self.g.add((node, RDFS.label, Literal(source.title or f"source {source.id} ({source.file})")))
            self.g.add((node, HCC.sha256, Literal(source.sha256)))
            if source.licence:
                self.g.add((node, DCTERMS.license, Literal(source.licence)))

    def entities(self) -> None:
        for facts_kind, kind in (("drugs", "drug"), ("targets", "target"), ("therapies", "therapy"),
                                 ("diseases", "disease"), ("cells", "cell"), ("studies", "study")):
            for where, record in self.facts.where(facts_kind):
                entity = self.lexicon.resolve(record.name, where, (kind,))
                node = self.entity(entity)
                cls = getattr(HCC, getattr(record, "type", None) or "", None) or KIND_CLASS[kind]
                self.g.add((node, RDF.type, cls))
                if kind == "study":
                    self.g.add((node, RDF.type, HCC.ClinicalStudy))
                self.g.add((node, RDFS.label, Literal(entity.label, lang="en")))
                for alias in self.lexicon.aliases(entity):
                    self.g.add((node, SKOS.altLabel, Literal(alias, lang="en")))
                for spelling in self.lexicon.spellings(entity):  # searchable, never a synonym
                    self.g.add((node, SKOS.hiddenLabel, Literal(spelling, lang="en")))
                if getattr(record, "note", None):
                    self.g.add((node, HCC.curatorNote, Literal(record.note)))
                if isinstance(record, m.Drug):
                    self.drug(node, record, str(where))

    def drug(self, node: URIRef, drug: m.Drug, where: str) -> None:
        if drug.type == "BispecificAntibody":
            self.g.add((node, RDF.type, HCC.MonoclonalAntibody))
        if drug.type == "Biosimilar":
            self.g.add((node, RDF.type, HCC.MonoclonalAntibody))
        if drug.biosimilar_of:
            self.g.add((node, HCC.biosimilarOf, self.resolve(drug.biosimilar_of, where, "drug")))
        if drug.formulation_of:
            self.g.add((node, HCC.formulationOf, self.resolve(drug.formulation_of, where, "drug")))
        for i, claim in enumerate(drug.targets):
            self.target_claim(node, claim, f"{where}, field targets[{i}].target")
        for i, ext in enumerate(drug.external_targets):
            target = self.resolve(ext.target, f"{where}, field external_targets[{i}].target", "target")
            t_slug = target.rsplit("/", 1)[-1]
            stmt = self.iri("statement", f"{node.rsplit('/', 1)[-1]}-inhibits-{t_slug}-external")
            ev = RES["evidence"][f"external-{node.rsplit('/', 1)[-1]}-{t_slug}"]
            self.g.add((stmt, RDF.type, HCC.AttributeStatement))
            self.g.add((stmt, HCC.describes, node))
            self.g.add((stmt, HCC.inhibits, target))
            self.g.add((stmt, PROV.wasDerivedFrom, ev))
            self.g.add((stmt, HCC.curatorNote, Literal(ext.note)))
            self.g.add((ev, RDF.type, HCC.ExternalEvidence))
            self.g.add((ev, DCTERMS.source, URIRef(ext.url)))
            self.g.add((ev, HCC.excerpt, Literal(ext.excerpt)))
            self.g.add((node, HCC.inhibits, target))

    def target_claim(self, drug: URIRef, claim: m.TargetClaim, where: str) -> None:
        """A sourced drug-target statement; the plain triple too unless disputed."""
        target = self.resolve(claim.target, where, "target")
        slug = f"{drug.rsplit('/', 1)[-1]}-inhibits-{target.rsplit('/', 1)[-1]}-{claim.source}"
        stmt = self.iri("statement", slug, unique=True)
        self.g.add((stmt, RDF.type, HCC.AttributeStatement))
        self.g.add((stmt, HCC.describes, drug))
        self.g.add((stmt, HCC.inhibits, target))
        self.evidence(claim, stmt)
        if not claim.disputed:
            self.g.add((drug, HCC.inhibits, target))

    def study(self, study: m.Study, where: str, curated: bool) -> None:
        node = RES["study"][study.id]
        g = self.g
        if not curated and (node, RDF.type, HCC.ClinicalStudy) not in g:
            g.add((node, RDF.type, HCC.ClinicalStudy))
            if study.type:
                g.add((node, RDF.type, getattr(HCC, study.type)))
            g.add((node, RDFS.label, Literal(study.name, lang="en")))
        for i, registry_id in enumerate(study.registry_ids):
            if not any(registry_id in source.text for source in self.sources.values()):
                raise HccKgError(f"{where}, field registry_ids[{i}]: {registry_id!r} does not occur in any source")
            g.add((node, HCC.registryId, Literal(registry_id)))
            trial = URIRef(prefixes.expand(f"clinicaltrials:{registry_id}"))
            if registry_id.startswith("NCT") and (node, SKOS.exactMatch, trial) not in g:
                # stated in the source itself: its ClinicalTrials.gov record
                g.add((node, SKOS.exactMatch, trial))
                link = self.axiom(node, SKOS.exactMatch, trial, prefixes.biolink_curie(f"clinicaltrials:{registry_id}"),
                                  f"The source states the registry number {registry_id} for this study.")
                g.add((link, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
                for source in self.sources.values():
                    if registry_id in source.text:
                        g.add((link, DCTERMS.source, RES["source"][source.id]))
        hcc = self.lexicon.find("hepatocellular carcinoma", ("disease",))
        if hcc:
            g.add((node, HCC.condition, self.entity(hcc)))
        for i, stmt in enumerate(study.statements):
            self.statement(node, stmt, f"{where}, field statements[{i}]")
        arms = {}
        for i, arm in enumerate(study.arms):
            arm_node = RES["arm"][f"{study.id}-{arm.id}"]
            arms[arm.id] = arm_node
            g.add((node, HCC.hasArm, arm_node))
            g.add((arm_node, RDF.type, HCC.TrialArm))
            regimen = self.regimen(arm.regimen, f"{where}, field arms[{i}].regimen")
            g.add((arm_node, HCC.armRegimen, regimen))
            label = f"{study.name}: {g.value(regimen, RDFS.label)}" + (f" ({arm.label})" if arm.label else "")
            if (arm_node, RDFS.label, None) not in g:
                g.add((arm_node, RDFS.label, Literal(label, lang="en")))
            if arm.label:
                g.add((arm_node, HCC.cohort, Literal(arm.label)))
            if arm.role:
                g.add((arm_node, HCC.armRole, self.value("role", arm.role, f"{where}, field arms[{i}].role")))
            if arm.disputed:
                g.add((arm_node, HCC.disputed, Literal(True)))
            if arm.note:
                g.add((arm_node, HCC.curatorNote, Literal(arm.note)))
            for j, stmt in enumerate(arm.statements):
                self.statement(arm_node, stmt, f"{where}, field arms[{i}].statements[{j}]")
            for j, dose in enumerate(arm.doses):
                self.dose(arm_node, arm, dose, f"{where}, field arms[{i}].doses[{j}]")
        self.known_arms.setdefault(study.id, set()).update(arms)
        for i, fact in enumerate(study.measurements):
            self.measurement(study, fact, f"{where}, field measurements[{i}]")
        for i, fact in enumerate(study.comparisons):
            self.comparison(study, fact, f"{where}, field comparisons[{i}]")

    def arm(self, study: m.Study, arm: str, where: str) -> URIRef:
        if arm not in self.known_arms.get(study.id, ()):
            raise HccKgError(f"{where}: unknown arm {arm!r} of study {study.id}; arms: {sorted(self.known_arms.get(study.id, ()))}")
        return RES["arm"][f"{study.id}-{arm}"]

    def measurement(self, study: m.Study, fact: m.Measurement, where: str) -> None:
        g = self.g
        arm = self.arm(study, fact.arm, f"{where}.arm")
        endpoint = self.value("endpoint", fact.endpoint, f"{where}.endpoint")
        parts = [study.id, fact.arm, fact.endpoint.replace(">=", "3plus"), fact.criteria or "",
                 fact.subgroup or "", fact.adverse_event or "", fact.qualifier or "", fact.source,
                 f"{fact.table}-r{fact.row}" if fact.table else ""]
        node = self.iri("measurement", "-".join(p for p in parts if p), unique=True)
        unit = fact.unit or ("month" if fact.endpoint in MONTH_ENDPOINTS else "percent")
        if fact.design_target:  # a value to reach, not a result: no measurement for result queries to find
            g.add((node, RDF.type, HCC.DesignTarget))
            g.add((node, HCC.targetOfArm, arm))
            g.add((node, HCC.endpoint, endpoint))
            g.add((node, HCC.unit, UNITS[unit]))
            g.add((node, HCC.targetValue, decimal(fact.value)))
            self.evidence(fact, node)
            return
        g.add((node, RDF.type, HCC.OutcomeMeasurement))
        g.add((node, HCC.arm, arm))
        g.add((node, HCC.endpoint, endpoint))
        g.add((node, HCC.unit, UNITS[unit]))
        if fact.value is not None:
            g.add((node, HCC.value, decimal(fact.value)))
        if fact.below is not None:
            g.add((node, HCC.valueBelow, decimal(fact.below)))
        if fact.not_reached:
            g.add((node, HCC.notReached, Literal(True)))
        for prop, v in ((HCC.ciLower, fact.ci_lower), (HCC.ciUpper, fact.ci_upper)):
            if v is not None:
                g.add((node, prop, decimal(v)))
        if fact.criteria:
            g.add((node, HCC.responseCriteria, self.value("criteria", fact.criteria, f"{where}.criteria")))
        for prop, text in ((HCC.subgroup, fact.subgroup), (HCC.adverseEvent, fact.adverse_event),
                           (HCC.qualifier, fact.qualifier)):
            if text:
                g.add((node, prop, Literal(text)))
        self.adverse_event(node, endpoint, fact, where)
        self.evidence(fact, node)

    def adverse_event(self, node: URIRef, endpoint: URIRef, fact: m.Measurement, where: str) -> None:
        """An adverse-event rate's grade range and kind: as the fact states them, else as its
        endpoint names them (the ontology's hcc:aeGrade / hcc:aeKind of the endpoint)."""
        defaults = ae_defaults().get(endpoint)
        if defaults is None:
            if fact.grade or fact.ae_kind:
                raise HccKgError(f"{where}: grade and ae_kind apply to adverse-event endpoints only, not {fact.endpoint!r}")
            return
        words = (fact.qualifier or "").lower()
        if fact.grade is None and GRADE_WORDS.search(words):
            raise HccKgError(f"{where}.grade: the qualifier {fact.qualifier!r} names a grade; give it as grade "
                             "(any, 1-2, 3, 3-4, >=3, 4-5, 5)")
        if fact.ae_kind is None and any(k in words for k in AE_KIND_WORDS):
            raise HccKgError(f"{where}.ae_kind: the qualifier {fact.qualifier!r} names a kind of adverse event; "
                             "give it as ae_kind")
        grade = self.value("grade", fact.grade, f"{where}.grade") if fact.grade else defaults[0]
        kind = self.value("ae_kind", fact.ae_kind, f"{where}.ae_kind") if fact.ae_kind else defaults[1]
        self.g.add((node, HCC.aeGrade, grade))
        self.g.add((node, HCC.aeKind, kind))

    def dose(self, arm_node: URIRef, arm: m.Arm, dose: m.Dose, where: str) -> None:
        """A dose of one of the arm's drugs: amount and unit, interval, route and step where stated."""
        drug = self.resolve(dose.drug, f"{where}.drug", "drug")
        if drug not in set(self.g.objects(self.g.value(arm_node, HCC.armRegimen), HCC.hasComponent)):
            raise HccKgError(f"{where}.drug: {dose.drug!r} is not in the arm's regimen {arm.regimen}")
        local = arm_node.rsplit("/", 1)[-1]
        node = self.iri("dose", f"{local}-{drug.rsplit('/', 1)[-1]}-{dose.step or 1}-{dose.source}", unique=True)
        g = self.g
        g.add((arm_node, HCC.dose, node))
        g.add((node, RDF.type, HCC.DoseSpecification))
        amount = format(dose.amount.normalize(), "f")
        every = f" every {format(dose.every.normalize(), 'f')} {dose.every_unit}s" if dose.every is not None else ""
        g.add((node, RDFS.label, Literal(f"{amount} {dose.unit} {g.value(drug, RDFS.label)}{every}", lang="en")))
        g.add((node, HCC.doseOf, drug))
        g.add((node, HCC.doseAmount, decimal(dose.amount)))
        g.add((node, HCC.doseUnit, DOSE_UNITS[dose.unit]))
        if dose.every is not None:
            g.add((node, HCC.doseInterval, decimal(dose.every)))
            g.add((node, HCC.doseIntervalUnit, INTERVAL_UNITS[dose.every_unit]))
        if dose.route:
            g.add((node, HCC.route, Literal(dose.route)))
        if dose.step:
            g.add((node, HCC.doseStep, Literal(dose.step)))
        self.evidence(dose, node)

    def doubt(self, fact: m.Doubt, where: str) -> None:
        """A suspected source error: linked to every fact of the study (and arms) whose evidence
        quote holds the doubted passage; the facts' values are left as they are."""
        g = self.g
        study = RES["study"][fact.study]
        if (study, RDF.type, HCC.ClinicalStudy) not in g:
            raise HccKgError(f"{where}, field study: unknown study {fact.study!r}")
        arms = set(g.objects(study, HCC.hasArm))
        chosen = [RES["arm"][f"{fact.study}-{a}"] for a in fact.arms]
        for i, arm in enumerate(chosen):
            if arm not in arms:
                raise HccKgError(f"{where}, field arms[{i}]: no arm {fact.arms[i]!r} in study {fact.study}")
        start, end = self.facts.span(fact)
        doubted = []
        for arm in chosen or sorted(arms):
            for node in sorted(g.subjects(HCC.arm, arm)):
                for ev in g.objects(node, PROV.wasDerivedFrom):
                    src, s, e = str(ev).rsplit("/", 1)[-1].rsplit("-", 2)
                    if src == fact.source and int(s) <= start and end <= int(e):
                        doubted.append(node)
        if not doubted:
            raise HccKgError(f"{where}, field quote: no fact of {fact.study} {fact.arms or ''} rests on the doubted passage")
        node = RES["doubt"][fact.id]
        g.add((node, RDF.type, HCC.SuspectedSourceError))
        g.add((node, RDFS.label, Literal(fact.what, lang="en")))
        g.add((node, HCC.reason, Literal(fact.reason)))
        g.add((node, HCC.outsideReference, Literal(fact.reference)))
        for arm in chosen:
            g.add((node, HCC.concernsArm, arm))
        for fact_node in doubted:
            g.add((node, HCC.doubts, fact_node))
        self.evidence(fact, node)

    def comparison(self, study: m.Study, fact: m.Comparison, where: str) -> None:
        g = self.g
        exp = self.arm(study, fact.experimental, f"{where}.experimental")
        comp = self.arm(study, fact.comparator, f"{where}.comparator")
        node = self.iri("comparison", f"{study.id}-{fact.experimental}-vs-{fact.comparator}-{fact.endpoint}-{fact.subgroup or ''}-{fact.source}", unique=True)
        g.add((node, RDF.type, HCC.ArmComparison))
        g.add((node, HCC.experimentalArm, exp))
        g.add((node, HCC.comparatorArm, comp))
        g.add((node, HCC.endpoint, self.value("endpoint", fact.endpoint, f"{where}.endpoint")))
        for prop, v in ((HCC.hazardRatio, fact.hazard_ratio), (HCC.ciLower, fact.ci_lower),
                        (HCC.ciUpper, fact.ci_upper), (HCC.pValue, fact.p_value), (HCC.pValueBelow, fact.p_below)):
            if v is not None:
                g.add((node, prop, decimal(v)))
        if fact.relative_effect is not None:
            g.add((node, HCC.relativeEffect, decimal(fact.relative_effect)))
            g.add((node, HCC.effectDirection, self.value("direction", fact.direction, f"{where}.direction")))
        if fact.subgroup:
            g.add((node, HCC.subgroup, Literal(fact.subgroup)))
        if (endpoint := g.value(node, HCC.endpoint)) in ae_defaults():  # as the endpoint names them
            g.add((node, HCC.aeGrade, ae_defaults()[endpoint][0]))
            g.add((node, HCC.aeKind, ae_defaults()[endpoint][1]))
        self.evidence(fact, node)

    def approval(self, fact: m.Approval, where: str) -> None:
        g = self.g
        node = RES["approval"][fact.id]
        g.add((node, RDF.type, HCC.RegulatoryApproval))
        regimen = self.regimen(fact.regimen, f"{where}, field regimen")
        g.add((node, HCC.approvedRegimen, regimen))
        g.add((node, HCC.approvalType, self.value("type", fact.type, f"{where}, field type")))
        agency = f"{fact.agency} " if fact.agency else ""
        g.add((node, RDFS.label, Literal(f"{agency}{fact.type} of {g.value(regimen, RDFS.label)}"
                                         + (f" ({fact.year})" if fact.year else ""), lang="en")))
        if fact.agency:
            g.add((node, HCC.agency, self.value("agency", fact.agency, f"{where}, field agency")))
        if fact.year:
            g.add((node, HCC.approvalYear, Literal(str(fact.year), datatype=XSD.gYear)))
        if fact.date:
            g.add((node, HCC.approvalDate, Literal(fact.date, datatype=XSD.date)))
        if fact.line:
            g.add((node, HCC.lineOfTherapy, self.value("line", fact.line, f"{where}, field line")))
        if fact.indication:
            g.add((node, HCC.indication, Literal(fact.indication)))
        if fact.study:
            g.add((node, HCC.basedOnStudy, self.resolve(fact.study, f"{where}, field study", "study")))
        if fact.withdrawn:
            g.add((node, HCC.withdrawn, Literal(True)))
        if fact.listed_in_china is not None:
            g.add((node, HCC.listedInChina, Literal(fact.listed_in_china)))
        self.evidence(fact, node)

    def recommendation(self, fact: m.Recommendation, where: str) -> None:
        g = self.g
        node = RES["recommendation"][fact.id]
        g.add((node, RDF.type, HCC.GuidelineRecommendation))
        g.add((node, HCC.guideline, self.value("guideline", fact.guideline, f"{where}, field guideline")))
        regimen = self.regimen(fact.regimen, f"{where}, field regimen")
        g.add((node, HCC.recommendedRegimen, regimen))
        g.add((node, RDFS.label, Literal(f"{fact.guideline} {fact.version or ''} recommends {g.value(regimen, RDFS.label)}".replace("  ", " "), lang="en")))
        if fact.version:
            g.add((node, HCC.guidelineVersion, Literal(fact.version)))
        if fact.line:
            g.add((node, HCC.lineOfTherapy, self.value("line", fact.line, f"{where}, field line")))
        if fact.category:
            g.add((node, HCC.category, Literal(fact.category)))
        if fact.population:
            g.add((node, HCC.populationText, Literal(fact.population)))
        if fact.child_pugh:
            g.add((node, HCC.childPughClass, Literal(fact.child_pugh)))
        if fact.biomarker:
            if fact.biomarker not in {b.id for b in self.facts.of("biomarkers")}:
                raise HccKgError(f"{where}, field biomarker: unknown biomarker {fact.biomarker!r} (an id in biomarkers.yaml)")
            g.add((node, HCC.forBiomarker, RES["biomarker"][fact.biomarker]))
        self.evidence(fact, node)

    def mechanism(self, fact: m.Mechanism, where: str) -> None:
        g = self.g
        node = RES["mechanism"][fact.id]
        g.add((node, RDF.type, HCC.MechanismStatement))
        g.add((node, RDFS.label, Literal(" -> ".join(fact.chain), lang="en")))
        g.add((node, HCC.agent, self.resolve(fact.agent, f"{where}, field agent", "drug", "therapy")))
        for i, name in enumerate(fact.acts_on):
            g.add((node, HCC.actsOn, self.resolve(name, f"{where}, field acts_on[{i}]", "target")))
        for i, name in enumerate(fact.cells):
            g.add((node, HCC.affectsCell, self.resolve(name, f"{where}, field cells[{i}]", "cell")))
        g.add((node, HCC.chain, Literal(" -> ".join(fact.chain))))
        g.add((node, HCC.effect, Literal(fact.effect)))
        self.evidence(fact, node)

    def biomarker(self, fact: m.Biomarker, where: str) -> None:
        g = self.g
        node = RES["biomarker"][fact.id]
        g.add((node, RDF.type, HCC.Biomarker))
        g.add((node, RDFS.label, Literal(fact.name, lang="en")))
        for i, name in enumerate(fact.guides):
            g.add((node, HCC.guides, self.resolve(name, f"{where}, field guides[{i}]", "drug", "therapy")))
        self.evidence(fact, node)

    def xrefs(self) -> None:
        """skos:exactMatch (or closeMatch) to each confirmed identifier, as the IRI other datasets
        use (hcc_kg.prefixes), the registry's page for people as rdfs:seeAlso, and each link's
        provenance as an owl:Axiom on the link (SSSOM's RDF form): justification, the registry
        file (package, version, path, sha256), row and the row's text. Registry names (an INN a
        registry row gives a code name) and a biosimilar's UNII row get the same. Every drug and
        target needs a record, so a new one cannot go out unlinked without a decision."""
        recorded = set()
        files = {f.id: f for f in self.facts.of("registry-files")}
        for where, mapping in self.facts.where("xrefs"):
            entity = self.lexicon.resolve(mapping.name, f"{where}, field name", (mapping.kind,))
            recorded.add(entity)
            node = self.entity(entity)
            curies = {x.curie for x in mapping.xrefs}
            for i, xref in enumerate(mapping.xrefs):
                field = f"{where}, field xrefs[{i}]"
                try:
                    iri = URIRef(prefixes.expand(xref.curie))
                except (HccKgError, ValueError) as e:
                    raise HccKgError(f"{field}.curie: {e}") from None
                if xref.registry is not None and xref.registry not in files:
                    raise HccKgError(f"{field}.registry: {xref.registry!r} is not in "
                                     f"registry-files.yaml; known: {', '.join(sorted(files))}")
                if xref.via is not None and xref.via not in curies:
                    raise HccKgError(f"{field}.via: {xref.via!r} is not one of this record's xrefs")
                predicate = getattr(SKOS, xref.predicate)
                self.g.add((node, predicate, iri))
                page = prefixes.page(xref.curie)
                if page:
                    self.g.add((node, RDFS.seeAlso, URIRef(page)))
                self.link(entity, predicate, iri, prefixes.biolink_curie(xref.curie), xref, files)
            for i, name in enumerate(mapping.registry_names):
                if name.registry not in files:
                    raise HccKgError(f"{where}, field registry_names[{i}].registry: {name.registry!r} is not "
                                     f"in registry-files.yaml; known: {', '.join(sorted(files))}")
                literal = Literal(name.name)
                self.g.add((node, HCC.registryName, literal))
                self.link(entity, HCC.registryName, literal, name.name, name, files)
            for i, member in enumerate(mapping.members):
                part = self.resolve(member.target, f"{where}, field members[{i}].target", "target")
                self.g.add((node, HCC.hasMember, part))
            reference = self.g.value(node, HCC.biosimilarOf)
            for rejected in mapping.rejected:  # the registry row that lists a biosimilar under its reference
                if reference is not None and rejected.registry in files and (
                        reference, SKOS.exactMatch, URIRef(prefixes.expand(rejected.curie))) in self.g:
                    self.link(entity, HCC.biosimilarOf, reference, prefixes.biolink_curie(rejected.curie),
                              rejected, files)
        for kind in ("drug", "target"):
            for where, record in self.facts.where(f"{kind}s"):
                if self.lexicon.resolve(record.name, where, (kind,)) not in recorded:
                    xrefs = Where(where.file.parent / "xrefs.yaml", repr(record.name))
                    raise HccKgError(f"{xrefs}: missing ({kind} named in {where.file.name}); add it, "
                                     "with xrefs: [] and a note when no identifier is confirmed")

    def axiom(self, subject: URIRef, predicate: URIRef, target, identifier: str, excerpt: str) -> URIRef:
        """An owl:Axiom annotating one link (SSSOM's RDF form), to carry its provenance."""
        g = self.g
        kind, slug = str(subject).rsplit("/", 2)[-2:]
        node = self.iri("link", f"{kind}-{slug}-{predicate.split('#')[-1]}-{identifier}", unique=True)
        g.add((node, RDF.type, OWL.Axiom))
        g.add((node, OWL.annotatedSource, subject))
        g.add((node, OWL.annotatedProperty, predicate))
        g.add((node, OWL.annotatedTarget, target))
        g.add((node, DCTERMS.identifier, Literal(identifier)))
        g.add((node, HCC.excerpt, Literal(" ".join(excerpt.split()))))
        return node

    def link(self, entity: Entity, predicate: URIRef, target, identifier: str, item, files: dict) -> None:
        """The provenance of one link: the registry file and row, or where a curator saw it."""
        g = self.g
        node = self.axiom(self.entity(entity), predicate, target, identifier, item.evidence or "")
        if getattr(item, "reason", None):
            g.add((node, HCC.reason, Literal(item.reason)))
        registry = getattr(item, "registry", None)
        if registry:
            chained = getattr(item, "via", None)
            g.add((node, SSSOM.mapping_justification, SEMAPV.MappingChaining if chained else SEMAPV.LexicalMatching))
            if chained:
                g.add((node, HCC.curatorNote, Literal(f"via {chained}: the row pairs it with that identifier")))
            g.add((node, PROV.wasDerivedFrom, self.registry_file(files[registry])))
            g.add((node, HCC.tableRow, Literal(str(item.row))))
        else:
            g.add((node, SSSOM.mapping_justification, SEMAPV.ManualMappingCuration))
            g.add((node, DCTERMS.source, Literal(item.confirmed_in)))

    def registry_file(self, file: m.RegistryFile) -> URIRef:
        node = RES["registry"][file.id]
        g = self.g
        if (node, RDF.type, HCC.RegistryFile) not in g:
            g.add((node, RDF.type, HCC.RegistryFile))
            g.add((node, RDFS.label, Literal(f"{file.registry}: {file.package} {file.version}, {file.path}")))
            g.add((node, DCTERMS.title, Literal(file.registry)))
            g.add((node, DCTERMS.identifier, Literal(file.path)))
            g.add((node, OWL.versionInfo, Literal(file.version)))
            g.add((node, DCTERMS.isPartOf, URIRef(f"https://pypi.org/project/{file.package}/{file.version}/")))
            g.add((node, HCC.sha256, Literal(file.sha256)))
        return node

    def claim(self, fact: m.Claim, where: str) -> None:
        g = self.g
        node = RES["claim"][fact.id]
        g.add((node, RDF.type, HCC.Claim))
        g.add((node, RDFS.label, Literal(fact.topic, lang="en")))
        g.add((node, HCC.topic, Literal(fact.topic)))
        for i, name in enumerate(fact.about):
            g.add((node, HCC.about, self.resolve(name, f"{where}, field about[{i}]", "drug", "therapy", "study", "target", "disease", "cell")))
        for i, v in enumerate(fact.values, 1):
            shown = format(v.value.normalize(), "f") + (f" {v.unit}" if v.unit else "")
            g.add((node, HCC.statedValue, Literal(shown)))
            quantity = RES["claim"][f"{fact.id}-q{i}"]
            g.add((node, HCC.quantity, quantity))
            g.add((quantity, RDF.type, HCC.StatedQuantity))
            g.add((quantity, HCC.quantityValue, decimal(v.value)))
            if v.unit:
                g.add((quantity, HCC.unitText, Literal(v.unit)))
        self.evidence(fact, node)

    def corrections(self, tables: TableFacts) -> None:
        """Each applied row note becomes a TableCorrection the row's evidence points to."""
        for row, note in tables.corrections:
            node = RES["correction"][f"{row.source}-{row.table}-row-{row.row}"]
            g = self.g
            g.add((node, RDF.type, HCC.TableCorrection))
            g.add((node, RDFS.label, Literal(f"{row.source} {row.table} row {row.row}", lang="en")))
            g.add((node, HCC.reason, Literal(note.reason)))
            for column, value in sorted(note.set.items()):
                g.add((node, HCC.correctedField, Literal(column)))
                g.add((node, HCC.originalValue, Literal(row.cells.get(column, ""))))
                g.add((node, HCC.correctedValue, Literal(value)))
            text = self.sources[row.source].text
            fact = m.Sourced(source=row.source, quote=text[row.start:row.end], table=row.table, row=row.row)
            self.facts.offsets[(row.source, fact.quote, 1)] = (row.start, row.end)
            self.evidence(fact, node)
            for column, value in sorted(note.set.items()):  # one node a printed cell, for `conflicts`
                if column not in row.cells:
                    continue  # "arm"/"study": a curated pick, not a printed cell
                cell = RES["correction"][f"{row.source}-{row.table}-row-{row.row}-{slugify(column)}"]
                g.add((cell, RDF.type, HCC.CellCorrection))
                g.add((cell, HCC.correctedField, Literal(column)))
                g.add((cell, HCC.originalValue, Literal(row.cells[column])))
                g.add((cell, HCC.correctedValue, Literal(value)))
                g.add((cell, HCC.reason, Literal(note.reason)))
                self.evidence(fact, cell)
            g.add((RES["evidence"][f"{row.source}-{row.start}-{row.end}"], HCC.correction, node))

    def run(self, tables: TableFacts) -> Graph:
        self.sources_()
        self.entities()
        for where, study in self.facts.where("studies"):
            self.study(study, str(where), curated=True)
        for study in tables.studies:
            self.study(study, f"table rows of {study.id}", curated=False)
        for name, emit_one in (("approvals", self.approval), ("recommendations", self.recommendation),
                               ("mechanisms", self.mechanism), ("biomarkers", self.biomarker),
                               ("claims", self.claim)):
            for where, fact in self.facts.where(name):
                emit_one(fact, str(where))
        for fact in tables.approvals:
            self.approval(fact, f"{fact.source} {fact.table} row {fact.row}")
        for fact in tables.claims:
            self.claim(fact, f"{fact.source} {fact.table} row {fact.row}")
        for drug, claim in tables.targets:
            self.target_claim(self.resolve(drug, f"{claim.source} {claim.table} row {claim.row}", "drug"),
                              claim, f"{claim.source} {claim.table} row {claim.row}, column 'Drug target'")
        self.corrections(tables)
        self.xrefs()
        for where, doubt in self.facts.where("doubts"):
            self.doubt(doubt, str(where))
        assign_levels(self.g)
        return self.g


def emit(facts: Facts) -> Graph:
    """The asserted graph of all curated facts and table rows."""
    sources = load_sources()
    lexicon = build_lexicon(facts)
    tables = table_facts(facts, lexicon, sources, parse_tables(sources))
    return Emitter(facts, lexicon, sources).run(tables)
