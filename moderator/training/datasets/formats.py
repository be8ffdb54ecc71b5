"""Which loader reads a path: formats recognised by file name and content, and provenance."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from moderator.ml.modelfile import sha256_of
from moderator.training.datasets import (
    instagram,
    news,
    ours,
    questions,
    sms,
    stackexchange,
    wxr,
    youtube,
)
from moderator.training.datasets.corpus import (
    DatasetError,
    LabelledComment,
    csv_header,
)


@dataclass(frozen=True)
class Format:
    """A dataset format: its loader and the files it reads in a folder."""

    name: str
    loader: Callable[..., list[LabelledComment]]
    patterns: Sequence[str]


FORMATS = {
    f.name: f
    for f in (
        Format("jsonl", ours.load_jsonl, ours.PATTERNS),
        Format("youtube", youtube.load_youtube, youtube.PATTERNS),
        Format("sms", sms.load_sms, sms.PATTERNS),
        Format("wxr", wxr.load_wxr, wxr.PATTERNS),
        Format("meqsum", questions.load_meqsum, ("*.jsonl",)),
        Format("trec", questions.load_trec, ("*.label",)),
        Format("kqa", questions.load_kqa, ("*.jsonl",)),
        Format("covid-q", questions.load_covid_q, ("*.csv",)),
        Format("covid-dialogue", questions.load_covid_dialogue, ("*.jsonl",)),
        Format("medicationqa", questions.load_medicationqa, ("*.csv",)),
        Format("scamspot", instagram.load_scamspot, ("*.csv",)),
        Format("se-titles", stackexchange.load_se_titles, ("*.csv",)),
        Format("cooking", stackexchange.load_cooking, ("*.csv",)),
        Format("c3", news.load_c3, ("*.csv",)),
    )
}

#: Loader name -> loader, as `load` dispatches.
LOADERS = {name: f.loader for name, f in FORMATS.items()}

#: A CSV format is told by the columns of its header (all of them must be present).
_CSV_COLUMNS = (
    ("youtube", youtube.COLUMNS),
    ("scamspot", instagram.COLUMNS),
    ("se-titles", stackexchange.SE_TITLES_COLUMNS),
    ("cooking", stackexchange.COOKING_COLUMNS),
    ("c3", news.COLUMNS),
    ("covid-q", questions.COVID_Q_COLUMNS),
    ("medicationqa", questions.MEDICATIONQA_COLUMNS),
)
#: A JSONL format is told by the keys of its first object, checked in this order.
_JSON_KEYS = (
    ("jsonl", ("content",)),
    ("kqa", questions.KQA_FIELDS),
    ("covid-dialogue", questions.COVID_DIALOGUE_FIELDS),
    ("meqsum", ("question",)),
)
_DATA_SUFFIXES = (".jsonl", ".csv", ".xml", ".wxr", ".label")
_TREC_LINE = re.compile(r"^[A-Z]+:\S+\s+.+$")


def _jsonl_kind(file: Path) -> str:
    """Tell the JSONL formats apart by the keys of the first object."""
    with open(file, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as exc:
                raise DatasetError(f"{file}: not JSON lines ({exc})") from exc
            if isinstance(record, dict):
                for kind, keys in _JSON_KEYS:
                    if all(key in record for key in keys):
                        return kind
            raise DatasetError(f"{file}: JSON lines of an unknown kind")
    return "jsonl"


def _csv_kind(file: Path) -> str:
    """Tell the CSV formats apart by their header."""
    header = set(csv_header(file))
    for kind, columns in _CSV_COLUMNS:
        if header.issuperset(columns):
            return kind
    raise DatasetError(f"cannot tell the dataset format of {file} (columns {sorted(header)})")


def _file_format(path: Path) -> str:
    """Return the format of one file, from its name and then its content."""
    name = path.name.lower()
    if name.endswith(".jsonl"):
        return _jsonl_kind(path)
    if name.endswith(".csv"):
        return _csv_kind(path)
    if name.endswith((".xml", ".wxr")):
        return "wxr"
    if name.startswith("smsspamcollection"):
        return "sms"
    if name.endswith(".label"):
        return "trec"
    with open(path, encoding="iso-8859-1") as handle:
        head = handle.read(4096)
    first = head.splitlines()[0] if head else ""
    if head.lstrip().startswith("<?xml") or "<rss" in head:
        return "wxr"
    if re.match(r"^(ham|spam)\t", first):
        return "sms"
    if _TREC_LINE.match(first):
        return "trec"
    raise DatasetError(f"cannot tell the dataset format of {path}")


def _data_files(folder: Path) -> list[Path]:
    """Return the files of a folder that may hold data (not READMEs, licences, notes)."""
    return sorted(
        f
        for f in folder.iterdir()
        if f.is_file()
        and (f.name.lower().endswith(_DATA_SUFFIXES) or f.name.startswith("SMSSpamCollection"))
    )


def _folder_formats(folder: Path) -> dict[Path, str]:
    """Return each data file of a folder with its format."""
    return {file: _file_format(file) for file in _data_files(folder)}


def detect_format(path) -> str:
    """Return the loader name for a path (a file, or a folder of files of one format).

    Formats: jsonl (ours), youtube, sms, wxr, meqsum, trec, kqa, covid-q,
    covid-dialogue, medicationqa, scamspot, se-titles, cooking, c3.
    """
    path = Path(path)
    if path.is_dir():
        kinds = set(_folder_formats(path).values())
        if len(kinds) == 1:
            return kinds.pop()
        if not kinds:
            raise DatasetError(f"cannot tell the dataset format of folder {path}")
        raise DatasetError(f"folder {path} mixes dataset formats: {', '.join(sorted(kinds))}")
    if not path.is_file():
        raise DatasetError(f"dataset {path} does not exist")
    return _file_format(path)


def load(path, **options) -> list[LabelledComment]:
    """Load any supported dataset, detecting its format from the path and content.

    `options` go to the loader (``max_ham_per_file`` for the SE titles, say).
    """
    return LOADERS[detect_format(path)](path, **options)


def dataset_files(path) -> list[Path]:
    """Return the data files a dataset path stands for, for hashing in a model card."""
    path = Path(path)
    if path.is_file():
        return [path]
    kind = detect_format(path)
    return [file for file, found in _folder_formats(path).items() if found == kind]


def provenance(path, items: Sequence[LabelledComment] | None = None) -> dict:
    """Describe a dataset for a model card: format, files with sha256, counts by label."""
    path = Path(path)
    items = load(path) if items is None else items
    spam = Counter(item.spam for item in items)
    medical = Counter(item.medical_question for item in items)
    return {
        "path": str(path),
        "format": detect_format(path),
        "files": [{"name": f.name, "sha256": sha256_of(f)} for f in dataset_files(path)],
        "comments": len(items),
        "spam": spam[True],
        "ham": spam[False],
        "unlabelled": spam[None],
        "medical_questions": medical[True],
        "non_medical": medical[False],
    }
