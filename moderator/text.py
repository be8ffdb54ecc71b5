"""The text pipeline: normalising and tokenising comment text.

Functions here are module-level on purpose: scikit-learn pipelines that hold them
must pickle by reference so the model file loads in another process.
"""

from __future__ import annotations

import html
import re
import unicodedata

from nltk.tokenize import TweetTokenizer

_TOKENIZER = TweetTokenizer(preserve_case=False, reduce_len=True, strip_handles=False)
_TAG = re.compile(r"<[^>]{0,500}>")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Return comment text with HTML tags and entities undone, NFKC-folded, spaces squeezed.

    Keeps the href target of links so URLs stay visible to the features.
    """
    if not text:
        return ""
    text = re.sub(r"""<a\s[^>]*href\s*=\s*["']?([^"' >]+)[^>]*>""", r" \1 ", text, flags=re.I)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "")
    return _SPACE.sub(" ", text).strip()


def tokenize(text: str) -> list[str]:
    """Split text into lower-case tokens, keeping URLs, e-mails, emoticons and handles whole."""
    return _TOKENIZER.tokenize(normalise(text))
