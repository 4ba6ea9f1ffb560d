"""The release folder as a reader sees it: every file checked against the build receipt.

The receipt records the sha256 of each release file, so a file edited, truncated or swapped since
the build is refused with one clear message before `query`, `serve` or `load` reads it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from hcc_kg.constants import RECEIPT, RELEASE
from hcc_kg.errors import HccKgError


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def checked(name: str, release: Path = RELEASE) -> Path:
    """``release/name`` if it is the file the build wrote; otherwise a clear HccKgError."""
    path = release / name
    if not path.exists():
        raise HccKgError(f"{path}: no release yet; run `hcc-kg build` first")
    receipt = release / RECEIPT
    try:
        expected = json.loads(receipt.read_text(encoding="utf-8"))["outputs"][name]
    except (OSError, ValueError, KeyError, TypeError):
        raise HccKgError(f"{receipt}: missing or unreadable, or it has no checksum for {name}; "
                         "rebuild with `hcc-kg build`") from None
    if sha256(path) != expected:
        raise HccKgError(f"{path}: corrupt release file: its sha256 differs from {receipt} "
                         "(changed or truncated since the build); rebuild with `hcc-kg build`")
    return path
