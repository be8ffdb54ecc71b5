"""Labelled comment corpora: loaders for our JSONL and the public datasets, with provenance.

Every loader takes a path and returns `LabelledComment` values; nothing is copied into
the project. The public corpora have traps (see ``../shared/datasets/README.md``):
the loaders never pass on a field that leaks the label (the YouTube DATE column), and
`deduplicate` removes repeated texts before any split.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from defusedxml import DefusedXmlException, ElementTree

from moderator.core.comment import Comment
from moderator.ml.modelfile import sha256_of


@dataclass(frozen=True)
class LabelledComment:
    """A comment with its labels; `None` means the label is unknown for this corpus."""

    comment: Comment
    spam: bool | None
    medical_question: bool | None = None
    urgent: bool | None = None
    source: str = ""
    group: str = ""


class DatasetError(ValueError):
    """A dataset file is missing, of an unknown format or malformed."""


_YOUTUBE_VIDEO = re.compile(r"Youtube\d+-(?P<video>[^.]+)\.csv$", re.I)


def _bool_or_none(value) -> bool | None:
    """Read a JSON label: true/false/1/0/"yes"/"no", anything else is unknown."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in {"1", "true", "yes", "spam"}:
            return True
        if lowered in {"0", "false", "no", "ham"}:
            return False
    return None


def _files(path: Path, patterns: Sequence[str]) -> list[Path]:
    """Return `path` itself or the files in a folder matching any glob, sorted."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        found = sorted({f for pattern in patterns for f in path.glob(pattern) if f.is_file()})
        if found:
            return found
        raise DatasetError(f"{path} holds no {' or '.join(patterns)} files")
    raise DatasetError(f"dataset {path} does not exist")


def load_jsonl(path) -> list[LabelledComment]:
    """Load our training_data format: one JSON object a line with API field names and labels.

    A folder loads every ``*.jsonl`` in it. `group` is the spam/genuine family when the
    line names one (so grouped validation holds out whole families), else the file stem.
    """
    items = []
    for file, number, record in _json_lines(path, ["*.jsonl"]):
        if not isinstance(record, dict) or not isinstance(record.get("content"), str):
            raise DatasetError(f"{file}:{number}: expected an object with 'content'")
        fields = dict(record)
        if "id" in fields and "external_id" not in fields:
            fields["external_id"] = fields["id"]
        family = str(record.get("family") or "").strip()
        items.append(
            LabelledComment(
                comment=Comment.from_mapping(fields),
                spam=_bool_or_none(record.get("spam")),
                medical_question=_bool_or_none(record.get("medical_question")),
                urgent=_bool_or_none(record.get("urgent")),
                source=f"ours:{file.name}",
                group=f"ours:{family}" if family else f"ours:{file.stem}",
            )
        )
    return items


def _json_lines(path, patterns: list[str]):
    """Yield (file, line number, parsed object) for every non-blank line of JSONL files."""
    for file in _files(path, patterns):
        with open(file, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                try:
                    yield file, number, json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{file}:{number}: not JSON ({exc})") from exc


def load_youtube(path) -> list[LabelledComment]:
    """Load the UCI YouTube Spam Collection: one ``YoutubeNN-Name.csv`` or a folder of them.

    DATE is dropped on purpose: it is empty on every spam row of the Eminem file.
    """
    items = []
    for file in _files(path, ["Youtube*.csv", "youtube*.csv"]):
        match = _YOUTUBE_VIDEO.search(file.name)
        video = match.group("video") if match else file.stem
        with open(file, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"CONTENT", "CLASS"} - set(reader.fieldnames or ())
            if missing:
                raise DatasetError(f"{file}: not a YouTube Spam Collection CSV (no {missing})")
            for row in reader:
                items.append(
                    LabelledComment(
                        comment=Comment(
                            content=row["CONTENT"] or "",
                            author=row.get("AUTHOR") or "",
                            external_id=row.get("COMMENT_ID") or "",
                            comment_type="comment",
                        ),
                        spam=row["CLASS"].strip() == "1",
                        source=f"youtube:{video}",
                        group=f"youtube:{video}",
                    )
                )
    return items


def load_sms(path) -> list[LabelledComment]:
    """Load the SMS Spam Collection (``label<TAB>text``), keeping the first of repeated texts."""
    items = []
    seen = set()
    for file in _files(path, ["SMSSpamCollection*"]):
        with open(file, encoding="utf-8", errors="replace") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.rstrip("\r\n")
                if not line:
                    continue
                label, sep, text = line.partition("\t")
                if not sep or label not in {"ham", "spam"}:
                    raise DatasetError(f"{file}:{number}: expected 'ham|spam<TAB>text'")
                if text in seen:
                    continue
                seen.add(text)
                items.append(
                    LabelledComment(
                        comment=Comment(content=text),
                        spam=label == "spam",
                        source="sms",
                        group="sms",
                    )
                )
    return items


#: WordPress comment_approved values and the spam label they give.
WXR_LABELS = {"1": False, "approve": False, "spam": True, "0": None, "trash": None}


def _local(tag: str) -> str:
    """Return an XML tag without its namespace (WXR 1.0, 1.1 and 1.2 differ only there)."""
    return tag.rsplit("}", 1)[-1]


def _child_text(element, name: str) -> str:
    """Return the text of the first child with local name `name`, or ""."""
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return ""


def _parent_id(text: str) -> str:
    """Return a WXR comment_parent, where "0" means a top-level comment."""
    text = text.strip()
    return "" if text == "0" else text


def load_wxr(path) -> list[LabelledComment]:
    """Load comments from a WordPress WXR export.

    ``comment_approved`` 1 is ham and ``spam`` is spam; pending (0) and trash are kept
    with ``spam=None``: trash holds both rejected spam and comments the author deleted.
    """
    items = []
    for file in _files(path, ["*.xml", "*.wxr"]):
        try:
            # An export is untrusted XML: defusedxml refuses entity expansion and
            # external entities instead of resolving them.
            root = ElementTree.parse(file).getroot()
        except ElementTree.ParseError as exc:
            raise DatasetError(f"{file}: not a WXR export ({exc})") from exc
        except DefusedXmlException as exc:
            raise DatasetError(f"{file}: refused, the XML declares entities ({exc!r})") from exc
        channel = next((e for e in root if _local(e.tag) == "channel"), root)
        site = _child_text(channel, "title").strip() or file.stem
        for item in channel:
            if _local(item.tag) != "item":
                continue
            post_title = _child_text(item, "title")
            post_id = _child_text(item, "post_id")
            permalink = _child_text(item, "link")
            for node in item:
                if _local(node.tag) != "comment":
                    continue
                approved = _child_text(node, "comment_approved").strip().lower()
                items.append(
                    LabelledComment(
                        comment=Comment(
                            content=_child_text(node, "comment_content"),
                            author=_child_text(node, "comment_author"),
                            author_email=_child_text(node, "comment_author_email"),
                            author_url=_child_text(node, "comment_author_url"),
                            user_ip=_child_text(node, "comment_author_IP"),
                            post_title=post_title,
                            post_id=post_id,
                            permalink=permalink,
                            parent_id=_parent_id(_child_text(node, "comment_parent")),
                            external_id=_child_text(node, "comment_id"),
                            comment_type=_child_text(node, "comment_type") or "comment",
                        ),
                        spam=WXR_LABELS.get(approved),
                        source=f"wxr:{site}",
                        group=f"wxr:{site}",
                    )
                )
    return items


_MEQSUM_SUBJECT = re.compile(r"^\s*SUBJECT\s*[:.]\s*", re.I)
_MEQSUM_MESSAGE = re.compile(r"\s*\bMESSAGE\s*:\s*", re.I)


def strip_meqsum_layout(question: str) -> str:
    """Turn ``SUBJECT: x\nMESSAGE: y`` into ``x. y`` so a model cannot learn the layout."""
    text = _MEQSUM_SUBJECT.sub("", question)
    marker = _MEQSUM_MESSAGE.search(text)
    if marker:
        subject, message = text[: marker.start()].strip(), text[marker.end() :]
        if subject and subject[-1] not in ".?!":
            subject += "."
        text = f"{subject} {message}"
    return re.sub(r"\s+", " ", text).strip()


def meqsum_records(path) -> Iterator[dict]:
    """Yield MeQSum's records as published: ``question`` (layout included), ``summary``."""
    for file, number, record in _json_lines(path, ["meqsum*.jsonl", "*.jsonl"]):
        question = record.get("question") if isinstance(record, dict) else None
        if not isinstance(question, str):
            raise DatasetError(f"{file}:{number}: not a MeQSum line (no 'question' text)")
        yield record


def load_meqsum(path) -> list[LabelledComment]:
    """Load MeQSum consumer health questions as medical questions, layout stripped."""
    return [
        LabelledComment(
            comment=Comment(content=strip_meqsum_layout(record["question"])),
            spam=False,
            medical_question=True,
            source="meqsum",
            group="meqsum",
        )
        for record in meqsum_records(path)
    ]


_TREC_LINE = re.compile(r"^(?P<coarse>[A-Z]+):(?P<fine>\S+)\s+(?P<text>.+)$")
_TREC_DETOKENISE = [
    (re.compile(r"``\s*"), '"'),
    (re.compile(r"\s*''"), '"'),
    (re.compile(r"\b(\w+) n't\b"), r"\1n't"),
    (re.compile(r" '(s|t|ll|ve|re|d|m|em)\b", re.I), r"'\1"),
    (re.compile(r"(\w) '(?=\s|$)"), r"\1'"),
    (re.compile(r" ([?.!,;:%)])(?=\s|$)"), r"\1"),
    (re.compile(r"([($]) "), r"\1"),
    (re.compile(r"\s+"), " "),
]


def detokenise_trec(text: str) -> str:
    """Undo TREC's tokenised punctuation: ``What 's it ?`` -> ``What's it?``."""
    for pattern, replacement in _TREC_DETOKENISE:
        text = pattern.sub(replacement, text)
    return text.strip()


def load_trec(path) -> list[LabelledComment]:
    """Load Li and Roth's TREC questions as non-medical questions; `group` keeps coarse:fine.

    Note ``ENTY:dismed`` and some ``DESC`` lines are medical trivia: filter on `group`
    when they must not count as clean negatives.
    """
    items = []
    for file in _files(path, ["*.label", "*.txt"]):
        with open(file, encoding="iso-8859-1") as handle:
            for number, line in enumerate(handle, start=1):
                line = line.strip()
                if not line:
                    continue
                match = _TREC_LINE.match(line)
                if not match:
                    raise DatasetError(f"{file}:{number}: expected 'COARSE:fine question'")
                items.append(
                    LabelledComment(
                        comment=Comment(content=detokenise_trec(match["text"])),
                        spam=False,
                        medical_question=False,
                        source="trec",
                        group=f"{match['coarse']}:{match['fine']}",
                    )
                )
    return items


def _jsonl_kind(file: Path) -> str:
    """Tell our JSONL from MeQSum's by the keys of the first object."""
    with open(file, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    raise DatasetError(f"{file}: not JSON lines ({exc})") from exc
                if isinstance(record, dict) and "question" in record and "content" not in record:
                    return "meqsum"
                return "jsonl"
    return "jsonl"


def detect_format(path) -> str:
    """Return the loader name for a path: jsonl, youtube, sms, wxr, meqsum or trec."""
    path = Path(path)
    if path.is_dir():
        names = [f.name for f in path.iterdir() if f.is_file()]
        if any(_YOUTUBE_VIDEO.search(n) for n in names):
            return "youtube"
        if any(n.startswith("SMSSpamCollection") for n in names):
            return "sms"
        jsonl = sorted(path.glob("*.jsonl"))
        if jsonl:
            return _jsonl_kind(jsonl[0])
        if any(n.endswith((".xml", ".wxr")) for n in names):
            return "wxr"
        if any(n.endswith(".label") for n in names):
            return "trec"
        raise DatasetError(f"cannot tell the dataset format of folder {path}")
    if not path.is_file():
        raise DatasetError(f"dataset {path} does not exist")
    name = path.name.lower()
    if name.endswith(".jsonl"):
        return _jsonl_kind(path)
    if name.endswith(".csv"):
        return "youtube"
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


LOADERS = {
    "jsonl": load_jsonl,
    "youtube": load_youtube,
    "sms": load_sms,
    "wxr": load_wxr,
    "meqsum": load_meqsum,
    "trec": load_trec,
}


def load(path) -> list[LabelledComment]:
    """Load any supported dataset, detecting its format from the path and content."""
    return LOADERS[detect_format(path)](path)


def content_key(text: str) -> str:
    """Return the text as compared for duplicates: case, spacing and markup ignored."""
    from moderator.text.tokens import normalise

    return re.sub(r"\W+", " ", normalise(text).lower()).strip()


def deduplicate(items: Iterable[LabelledComment]) -> list[LabelledComment]:
    """Keep the first comment of every repeated text (and drop texts labelled both ways)."""
    labels: dict[str, set] = {}
    items = list(items)
    for item in items:
        labels.setdefault(content_key(item.comment.content), set()).add(item.spam)
    kept, seen = [], set()
    for item in items:
        key = content_key(item.comment.content)
        if key in seen or len(labels[key]) > 1:
            continue
        seen.add(key)
        kept.append(item)
    return kept


def dataset_files(path) -> list[Path]:
    """Return the data files a dataset path stands for, for hashing in a model card."""
    path = Path(path)
    if path.is_file():
        return [path]
    patterns = {
        "youtube": ["Youtube*.csv", "youtube*.csv"],
        "sms": ["SMSSpamCollection*"],
        "jsonl": ["*.jsonl"],
        "meqsum": ["*.jsonl"],
        "wxr": ["*.xml", "*.wxr"],
        "trec": ["*.label"],
    }[detect_format(path)]
    return _files(path, patterns)


def provenance(path, items: Sequence[LabelledComment] | None = None) -> dict:
    """Describe a dataset for a model card: format, files with sha256, counts by label."""
    path = Path(path)
    items = load(path) if items is None else items
    spam = Counter(item.spam for item in items)
    return {
        "path": str(path),
        "format": detect_format(path),
        "files": [{"name": f.name, "sha256": sha256_of(f)} for f in dataset_files(path)],
        "comments": len(items),
        "spam": spam[True],
        "ham": spam[False],
        "unlabelled": spam[None],
    }
