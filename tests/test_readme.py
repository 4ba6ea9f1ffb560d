"""The README's examples are real output: every fenced block that starts with ``$ hcc-kg ...`` is
run (in a 120-column terminal, on the built release) and must print exactly what the block shows
(``| head -N``: the first N lines; an example of an error shows the error and exits 1)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from hcc_kg.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def examples() -> list[tuple[str, list[str], int | None, str]]:
    """(command line, argv, head lines or None, expected output) of each example block."""
    out = []
    for block in re.findall(r"^```[a-z]*\n(.*?)^```", README.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL):
        if not block.startswith("$ hcc-kg "):
            continue
        lines = block.splitlines(keepends=True)
        for n in range(1, len(lines) + 1):  # the command runs on until its quotes close
            command = "".join(lines[:n])[2:]
            try:
                words = shlex.split(command, comments=True)
            except ValueError:
                continue
            break
        head = None
        if "|" in words:
            pipe = words.index("|")
            assert words[pipe + 1:pipe + 2] == ["head"], command
            head, words = int(words[pipe + 2].lstrip("-n")), words[:pipe]
        out.append((command.splitlines()[0], words[1:], head, "".join(lines[n:])))
    return out


EXAMPLES = examples()


def test_the_readme_has_examples():
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("command,argv,head,expected", EXAMPLES, ids=[e[0][:60] for e in EXAMPLES])
def test_readme_example_is_real_output(command, argv, head, expected, store, built, monkeypatch):
    import hcc_kg.answer.store as store_module

    monkeypatch.setattr(store_module, "open_release", lambda release=None: store)
    monkeypatch.setattr(store_module, "RELEASE", built[0])  # what the query engines load
    result = CliRunner().invoke(main, argv, env={"COLUMNS": "120"})
    assert result.exit_code == (1 if expected.startswith("error: ") else 0), result.output
    output = result.output.replace("\r\n", "\n")
    if head is not None:
        output = "".join(output.splitlines(keepends=True)[:head])
    assert output == expected
