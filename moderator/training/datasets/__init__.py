"""Labelled comment corpora: loaders for our JSONL and the public datasets, with provenance.

Every loader takes a path and returns `LabelledComment` values; nothing is copied into
the project. One module per corpus family (`ours`, `youtube`, `sms`, `wxr`, `questions`,
`instagram`, `stackexchange`, `news`); `formats` tells which loader reads a path and
describes a dataset for a model card; `catalogue` lists the shared corpora with their
licences and what they may be used for. The public corpora have traps (see
``../shared/datasets/README.md``): the loaders never pass on a field that leaks the
label (the YouTube DATE column, ScamSpot's casing), and `deduplicate` removes repeated
texts before any split.
"""

from moderator.training.datasets import catalogue
from moderator.training.datasets.catalogue import (
    ValidationOnlyError,
    require_trainable,
)
from moderator.training.datasets.corpus import (
    DatasetError,
    LabelledComment,
    content_key,
    deduplicate,
)
from moderator.training.datasets.formats import (
    FORMATS,
    LOADERS,
    dataset_files,
    detect_format,
    load,
    provenance,
)
from moderator.training.datasets.instagram import load_scamspot
from moderator.training.datasets.news import load_c3
from moderator.training.datasets.ours import load_jsonl
from moderator.training.datasets.questions import (
    COVID_Q_LAY_SOURCES,
    detokenise_trec,
    load_covid_dialogue,
    load_covid_q,
    load_kqa,
    load_medicationqa,
    load_meqsum,
    load_trec,
    meqsum_records,
    strip_meqsum_artifacts,
    strip_meqsum_layout,
)
from moderator.training.datasets.sms import load_sms
from moderator.training.datasets.stackexchange import (
    COOKING_HEALTH_TAGS,
    SE_MEDICAL_UNKNOWN,
    SE_NOISY_SPAM,
    SE_NON_MEDICAL,
    load_cooking,
    load_se_titles,
)
from moderator.training.datasets.wxr import WXR_LABELS, load_wxr
from moderator.training.datasets.youtube import load_youtube

__all__ = [
    "COOKING_HEALTH_TAGS",
    "COVID_Q_LAY_SOURCES",
    "FORMATS",
    "LOADERS",
    "SE_MEDICAL_UNKNOWN",
    "SE_NOISY_SPAM",
    "SE_NON_MEDICAL",
    "WXR_LABELS",
    "catalogue",
    "DatasetError",
    "ValidationOnlyError",
    "LabelledComment",
    "content_key",
    "dataset_files",
    "deduplicate",
    "detect_format",
    "detokenise_trec",
    "load",
    "load_c3",
    "load_cooking",
    "load_covid_dialogue",
    "load_covid_q",
    "load_jsonl",
    "load_kqa",
    "load_medicationqa",
    "load_meqsum",
    "load_scamspot",
    "load_se_titles",
    "load_sms",
    "load_trec",
    "load_wxr",
    "load_youtube",
    "meqsum_records",
    "provenance",
    "require_trainable",
    "strip_meqsum_artifacts",
    "strip_meqsum_layout",
]
