"""The README shows what the code does: its command reference is the command table's."""

from __future__ import annotations

from pathlib import Path

from zktui.commands.help import README_END, README_START, markdown_reference

README = Path(__file__).resolve().parent.parent / "README.md"


def test_command_reference_is_generated_from_the_table():
    text = README.read_text(encoding="utf-8")
    section = text[text.index(README_START) + len(README_START): text.index(README_END)]
    assert section.strip() == markdown_reference().strip(), "run: python -m zktui.commands.help README.md"


def test_readme_starts_with_the_two_commands():
    text = README.read_text(encoding="utf-8")
    first_block = text.split("```", 2)[1]
    assert "make demo" in first_block and "make test" in first_block
