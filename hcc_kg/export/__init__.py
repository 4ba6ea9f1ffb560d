"""Export: the release in, other formats and stores out.

kgx (Biolink KGX TSV) and kgx_offline (kgx's own tools, offline), sssom (the mappings table),
examples (one SPARQL example per canned query), diff (what changed between two releases), load
(push to any Graph Store Protocol store).
"""
