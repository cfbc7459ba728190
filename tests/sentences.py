"""What the user reads when something goes wrong: one French sentence, no driver English, no traceback."""

from __future__ import annotations

import re

# Words of the drivers' and Python's English that French sentences never use.
ENGLISH = re.compile(r"\b(the|error|failed|does|not|denied|unable|cannot|can't|found|expired|refused|could|is|of|"
                     r"for|with|such|file|database|server|connection|timeout|lost|invalid|unknown|usage|"
                     r"Traceback|Errno|exception)\b", re.I)


def one_french_sentence(err: str) -> str:
    """The single line of `err`, checked: capital or « first, a final full stop, no English outside the
    names it quotes (« … »), the paths and the base (an URL) it names."""
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert len(lines) == 1, err
    text = lines[0]
    assert (text[0].isupper() or text.startswith("«")) and text.endswith("."), text
    plain = re.sub(r"«[^»]*»|\S*[/\\]\S*", "", text)  # quoted names, paths and URLs
    assert not ENGLISH.search(plain), text
    return text
