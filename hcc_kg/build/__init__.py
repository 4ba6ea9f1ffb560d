"""Build: the two reviews in, checked graphs out.

sources (the verbatim texts) -> tables (parsed from the text) and facts (curated YAML, each quote
located) -> table_facts (table rows as records) -> lexicon (every name to one entity) -> emit (the
asserted triples) and levels (the evidence-level rule) -> reason (HermiT's inferred types) ->
validate (SHACL and the QC queries). hcc_kg.publish runs these stages and writes the release.
"""
