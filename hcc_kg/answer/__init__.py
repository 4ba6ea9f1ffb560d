"""Answer: a question in, rows out, over the release.

guard (what a query text may do) -> engine (processes that hold the release in memory and run one
query each, under a deadline and a memory cap) -> store (the canned-query catalogue, typed
parameters, the embedded store) -> render, cards and display (tables for the terminal, CSV, TSV,
JSON, xlsx; cards and what a person reads). The CLI, the Python API (hcc_kg.query) and the web
ask through here.
"""
