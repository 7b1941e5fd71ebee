"""User text (graph names, descriptions, file names) made safe to print into generated code.

A project file may come from anyone, and its text ends up in docstrings and string literals
of a file that people import: nothing in it may close the string it sits in. String literals
use ``repr``; docstring text is escaped so that no run of quotes or backslashes can end the
docstring, and characters a source file or a docstring cannot hold (NUL, lone surrogates,
other control characters) are shown as their escapes.
"""

from __future__ import annotations

import keyword
import unicodedata

# Names the generated file defines or imports: a model class may not take one of them.
_FILE_NAMES = frozenset({"torch", "nn", "F", "ShortcutA", "build_model", "main"})


def doc_text(text: str, newlines: bool = False) -> str:
    """``text`` as the inside of a ``\"\"\"`` docstring that shows ``text`` (its printable part).

    Args:
        text: any user text.
        newlines: keep line breaks (else they are shown escaped, keeping one line).
    """
    out = []
    for i, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char == '"' and (i + 1 == len(text) or text[i + 1] == '"'):
            out.append('\\"')  # never two bare quotes in a row, nor one at the end
        elif (char == "\n" and newlines) or _printable(char):
            out.append(char)
        else:
            out.append("\\" + repr(char)[1:-1])  # shown as its escape: "\\x00"
    return "".join(out)


def _printable(char: str) -> bool:
    # Line and paragraph separators are printable to Python but end lines in some editors.
    return char.isprintable() and unicodedata.category(char) not in ("Zl", "Zp")


def class_name_from(text: str) -> str:
    """A CamelCase class name from a graph's name: ASCII letters and digits, never a keyword."""
    cleaned = "".join(c if c.isascii() and c.isalnum() else " " for c in str(text))
    name = "".join(w[:1].upper() + w[1:] for w in cleaned.split()) or "Network"
    if not name[0].isalpha():
        name = "Net" + name
    return checked_class_name(name) if _usable(name) else name + "Model"


def checked_class_name(name: str) -> str:
    """``name`` if it can name the model class, else ``ValueError`` saying why."""
    if not _usable(name):
        raise ValueError(
            f"{name[:80]!r} cannot name the model class: use a Python identifier that is not a "
            f"keyword nor one of {', '.join(sorted(_FILE_NAMES))}"
        )
    return name


def _usable(name: str) -> bool:
    return (
        name.isidentifier()
        and name.isascii()
        and not keyword.iskeyword(name)
        and name not in _FILE_NAMES
    )
