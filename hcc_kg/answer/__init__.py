"""Answer: a question in, rows out, over the release.

guard (what a query text may do) -> engine (processes that hold the release in memory and run one
query each, under a deadline and a memory cap: engine starts and talks to one, execute is what
runs inside it, pool is the server's set of them) -> store (the release in an embedded store and
a query run on it), catalogue (the canned queries read from queries/) and params (a person's
parameters bound as typed terms) -> render, cards and display (tables for the terminal, CSV, TSV,
JSON, xlsx; cards and what a person reads). The CLI, the Python API (hcc_kg.query) and the web
ask through here.
"""
