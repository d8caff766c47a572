"""The README's code blocks, for tests that run them as written (so the README cannot drift from what works)."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def code_blocks(section: str, language: str) -> list[str]:
    """The ``language`` fenced blocks of the README section headed ``## section``, dedented, in order."""
    text = README.read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(rf"^( *)```{language}\n(.*?)^\1```$", body, flags=re.S | re.M)
    return ["".join(line[len(indent):] + "\n" for line in block.splitlines()) for indent, block in blocks]
