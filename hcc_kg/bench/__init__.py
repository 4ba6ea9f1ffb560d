"""Measurement: `hcc-kg bench` and `hcc-kg loadtest` (run), and the server processes
they and the tests start (procs). Speed is measured here, never asserted in a test.
"""
