"""Measurement: `hcc-kg bench` (run), `hcc-kg loadtest` (load), and the server processes they and
the tests start (procs). Speed is measured here, never asserted in a test.
"""
