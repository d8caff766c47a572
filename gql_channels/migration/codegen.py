"""Writing readable Python: literals, calls that wrap like ruff format, imports grouped like isort.

The generated modules are code a team owns, so they are written as a person would: double
quotes, one argument per line (with a trailing comma) when a call does not fit in 88 columns,
imports sorted in standard library / third-party / project / local groups. Nothing here depends
on a formatter being installed; ``format_files`` runs ``ruff format`` when there is one.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

LINE = 88
INDENT = "    "


def snake_case(name: str) -> str:
    """``ArticleSerializer`` -> ``article_serializer``, ``HTTPConsumer`` -> ``http_consumer``."""
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def string(value: str, *, raw: bool = False) -> str:
    """A double-quoted literal; ``raw`` writes ``r"..."`` when it can (regular expressions)."""
    if raw and '"' not in value and not value.endswith("\\") and "\n" not in value:
        return f'r"{value}"'
    return json.dumps(value, ensure_ascii=False)


def literal(value: Any) -> str:
    """``value`` as Python source, strings double-quoted."""
    if isinstance(value, str):
        return string(value)
    if isinstance(value, list | tuple):
        items = ", ".join(literal(v) for v in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(k)}: {literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def wrap(opening: str, items: Sequence[str], closing: str, *, indent: int = 0) -> str:
    """``opening`` + items + ``closing`` on one line if it fits after ``indent`` levels, else one item per line.

    Exploded with a trailing comma, which ``ruff format`` keeps (its "magic trailing comma"). The
    first line is returned unindented (the caller writes it where it goes), the others indented.
    """
    pad = INDENT * indent
    flat = f"{opening}{', '.join(items)}{closing}"
    if len(pad) + len(flat) <= LINE or not items:
        return flat
    inner = pad + INDENT
    return f"{opening}\n" + "".join(f"{inner}{item},\n" for item in items) + f"{pad}{closing}"


def call(function: str, arguments: Sequence[str], *, indent: int = 0, prefix: str = "") -> str:
    """``prefix`` + ``function(arguments)``, wrapped as ``wrap`` does."""
    return wrap(f"{prefix}{function}(", arguments, ")", indent=indent)


def sequence(items: Sequence[str], *, indent: int = 0, prefix: str = "", brackets: str = "[]") -> str:
    """``prefix`` + a list (or other brackets) of source items, wrapped as ``wrap`` does."""
    return wrap(f"{prefix}{brackets[0]}", items, brackets[1], indent=indent)


def assign(target: str, value: str, *, indent: int = 0) -> str:
    """The statement ``target = value``, indented; a value too long for the line goes in parentheses, as ruff does."""
    pad = INDENT * indent
    line = f"{pad}{target} = {value}"
    if len(line) <= LINE:
        return line
    return f"{pad}{target} = (\n{pad}{INDENT}{value}\n{pad})"


def dictionary(value: dict[str, Any], *, indent: int = 0, prefix: str = "") -> str:
    """A dict literal of plain values, wrapped as ``wrap`` does."""
    return wrap(f"{prefix}{{", [f"{literal(k)}: {literal(v)}" for k, v in value.items()], "}", indent=indent)


def docstring(text: str, *, indent: int = 0) -> str:
    """A triple-quoted docstring, its lines indented."""
    pad = INDENT * indent
    lines = text.strip("\n").split("\n")
    if len(lines) == 1:
        return f'{pad}"""{lines[0]}"""'
    body = "\n".join(f"{pad}{line}" if line else "" for line in lines[1:])
    return f'{pad}"""{lines[0]}\n{body}\n{pad}"""'


def comment(text: str, *, indent: int = 0, width: int = LINE) -> str:
    """``# text``, wrapped at ``width``."""
    pad = f"{INDENT * indent}# "
    lines, current = [], ""
    for word in text.split():
        if current and len(pad) + len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "\n".join(f"{pad}{line}".rstrip() for line in lines)


class Module:
    """A Python module being written: imports collected as names are used, then blocks in order."""

    def __init__(self, header: str) -> None:
        self.header = header
        self._from: dict[str, set[str]] = {}
        self._plain: set[str] = set()
        self.blocks: list[str] = []

    def use(self, module: str, name: str | None = None) -> str:
        """Import ``name`` from ``module`` (``import module`` without ``name``); return what to write."""
        if name is None:
            self._plain.add(module)
            return module
        self._from.setdefault(module, set()).add(name)
        return name

    def add(self, block: str) -> None:
        self.blocks.append(block.rstrip("\n"))

    def render(self) -> str:
        """The module's text; checked to parse, so a writer's mistake fails here, not at import."""
        text = "\n".join(
            [self.header.rstrip("\n"), "", "from __future__ import annotations", "", *self._import_lines(), ""]
        )
        text += "\n\n" + "\n\n\n".join(self.blocks) + "\n"
        ast.parse(text)
        return text

    def _import_lines(self) -> list[str]:
        groups: dict[int, list[str]] = {}
        for module in self._plain:
            groups.setdefault(_section(module), []).append(f"import {module}")
        for module, names in self._from.items():
            groups.setdefault(_section(module), []).append(_from_import(module, sorted(names, key=_name_order)))
        lines: list[str] = []
        for section in sorted(groups):
            if lines:
                lines.append("")
            lines.extend(sorted(groups[section], key=_import_order))
        return lines


def _name_order(name: str) -> tuple[int, str]:
    """isort's ``order_by_type``: constants, then classes, then functions and variables."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def _import_order(line: str) -> tuple[bool, str]:
    """isort's default order within a section: ``import x`` lines first, then ``from x import``, by module."""
    return line.startswith("from"), line.split()[1].lower()


def _from_import(module: str, names: list[str]) -> str:
    flat = f"from {module} import {', '.join(names)}"
    if len(flat) <= LINE:
        return flat
    return f"from {module} import (\n" + "".join(f"{INDENT}{name},\n" for name in names) + ")"


#: Packages counted as third-party in the generated code (the rest of the project is first-party).
_THIRD_PARTY = ("django", "strawberry", "strawberry_django", "channels", "gql_channels", "graphql", "asgiref")


def _section(module: str) -> int:
    top = module.split(".")[0]
    if module.startswith("."):
        return 3
    if top in sys.stdlib_module_names:
        return 0
    return 1 if top in _THIRD_PARTY else 2


def format_files(paths: Iterable[Path]) -> bool:
    """``ruff format`` the files when ruff is installed; ``False`` when it is not (they are left as written)."""
    ruff = shutil.which("ruff")
    if ruff is None:
        return False
    subprocess.run([ruff, "format", "--quiet", *map(str, paths)], check=False)
    return True
