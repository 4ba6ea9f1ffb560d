"""The one error type the CLI turns into a clean message and a non-zero exit."""

from __future__ import annotations


class HccKgError(Exception):
    """A failure with a message for a person: names the file, record and field (or node/shape)."""
