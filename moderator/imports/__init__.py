"""Importing a blog's history: a WordPress export (`wxr`) or JSON lines (`jsonl`).

Each reader turns a file into `Row`s, streaming, and raises `ImportFailed` with the line
of the first thing it cannot read. `import_rows` stores them as the site's comments,
deciding each with the current models in batches, keeping the status its blog gave it
and writing the label that status stands for. Flask-free: the CLI commands
`moderator import-wxr` and `import-jsonl` call it, and so could a job.
"""

from moderator.imports.common import (
    ImportFailed,
    ImportReport,
    Row,
    check_file,
    import_rows,
)
from moderator.imports.jsonl import read_jsonl
from moderator.imports.wxr import read_wxr

#: The readers by format name.
READERS = {"wxr": read_wxr, "jsonl": read_jsonl}

__all__ = [
    "READERS",
    "ImportFailed",
    "ImportReport",
    "Row",
    "check_file",
    "import_rows",
    "read_jsonl",
    "read_wxr",
]
