"""Curation step (not part of the build): propose external links from the pinned registry files.

Our canonical names and synonyms are matched exactly, after one normalisation (case folded, Greek
letters spelled out, everything but letters and digits dropped: "PD-L1" = "PDL1" = "pd l1"),
against the names each registry row gives an identifier; cross-reference rows (DrugBank -> ChEBI,
ChEBI -> ChEMBL, NCIt -> ChEBI, FamPlex -> NCIt, HGNC -> UniProt) then carry a matched or linked
identifier to another registry. Per registry only the best match counts: the canonical name on
the registry's own name, then on an alias, then a synonym, then a cross-reference. Per entity and
registry the outcome is one of:

- confirmed: a registry row xrefs.yaml cites pairs the name with the identifier it holds;
- kept: a link no registry file contradicts (none pairs the name with another identifier);
- proposed: one identifier not yet linked, or linked by an earlier confirmation only
  (``--apply`` writes it with its file, version and row);
- conflict: several identifiers, one that contradicts a link, or one that its registry labels
  otherwise (a class-level MeSH term, a salt, another INN). Never chosen silently: a curator
  decides in xrefs.yaml, with a ``rejected`` entry or a ``reason`` on the chosen link.

Rules kept from the curation so far: drug classes ("unspecified ...") get no link; a biosimilar
never takes an identifier of its reference product (an unbranded product's code name is listed
under the reference product in UNII, for example); a record with no link says why in its note.

matching (names against registry rows, each outcome judged), write (accepted proposals and
confirmations into xrefs.yaml), report (the report, the check that xrefs.yaml agrees with the files,
and the re-reading of every row it cites).
"""
