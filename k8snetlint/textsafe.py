"""Escaping for human-readable output: no terminal or log injection.

Object names, labels, messages and file names come from the input, which may be a
hostile pull request. Printed raw, an ESC starts a terminal control sequence, a CR
overwrites what was printed, and a newline starts a line of its own: a line
``::error::...`` that GitHub Actions runs as a workflow command, or a code fence that
ends the block a pull-request comment put the output in. Every human-readable format
(text, graph txt, reach, diff) passes each record through :func:`escape_control`.
"""

from __future__ import annotations

import re

# C0 controls but tab, DEL, C1 controls, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    named = _NAMED.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_control(text: str) -> str:
    """``text`` with control characters written as visible escapes (``\\x1b``, ``\\n``)."""
    return _CONTROL.sub(_escape, text)


def escape_lines(text: str) -> str:
    """Each line of a multi-line message escaped; the line breaks themselves kept."""
    return "\n".join(escape_control(line) for line in text.split("\n"))


# text: compiled (and cached by re) on first use: only XML output needs it
_XML_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f]"


def escape_xml_forbidden(text: str) -> str:
    """``text`` with the characters XML 1.0 forbids written as visible escapes."""
    return re.sub(_XML_FORBIDDEN, _escape, text)
