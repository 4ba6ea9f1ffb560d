"""Publish stage: run every stage, then write the release atomically with its build receipt.

Nothing is written until every stage has passed; the files are then written into a new folder
beside graph/release/, which is swapped in with one rename, so a build that fails or is killed at
any point leaves the previous release whole.

pipeline (run the stages, then write), metadata (the VoID/DCAT description), formats (one writer
per release file), write (the receipt and the all-or-nothing write). The names the CLI, the bench
and the tests use are importable from here.
"""

from hcc_kg.publish.formats import WRITERS, nquads, statements
from hcc_kg.publish.metadata import ontology_version
from hcc_kg.publish.pipeline import Build, build, run_stages
from hcc_kg.publish.write import write_release, writing

__all__ = ["WRITERS", "Build", "build", "nquads", "ontology_version", "run_stages", "statements", "write_release",
           "writing"]
