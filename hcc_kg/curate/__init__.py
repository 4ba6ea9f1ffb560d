"""Curation tools: run by a curator, never by the build.

registries (the pinned registry files: fetch and read), xrefs (match names against them and write
graph/facts/xrefs.yaml), coverage (how much of the sources' numbers the graph holds as data).
"""
