"""Text for a terminal: names escaped, lines wrapped to a width."""

from __future__ import annotations

import textwrap


def printable(text: str) -> str:
    """``text`` with every control character escaped (names may come from a stranger's
    model file, and must not drive the terminal)."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def wrap(line: str, width: int) -> str:
    """``line`` in lines of at most ``width`` characters, the continuations indented
    four more than the line."""
    indent = " " * min(len(line) - len(line.lstrip()) + 4, width // 2)
    parts = textwrap.wrap(line, width, subsequent_indent=indent, drop_whitespace=False)
    return "\n".join(part.rstrip() for part in parts)
