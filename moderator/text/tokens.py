"""The text pipeline: normalising and tokenising comment text.

Functions here are module-level on purpose: scikit-learn pipelines that hold them
must pickle by reference so the model file loads in another process.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from nltk.tokenize import TweetTokenizer, casual

from moderator.text.vocabulary import PRODUCT_NAMES_FILE, read_word_list

_TOKENIZER = TweetTokenizer(preserve_case=False, reduce_len=True, strip_handles=False)
_TAG = re.compile(r"<[^>]{0,500}>")
#: Characters that show nothing: byte-order marks, zero-width spaces and joiners between
#: words, soft hyphens. Real comments carry them (pasted text, spam hiding its words).
_INVISIBLE = "\ufeff\u200b\u2060\u00ad"


#: A link a video site made of a typed timestamp ("2:19" becomes a link to the same
#: video at that second): the reader wrote only the time, so only the time is kept. One
#: quoted href and nothing else in the tag, every run bounded: a second attribute could
#: hide a shop link behind a time, and open-ended runs backtracked for minutes.
_TIMESTAMP_LINK = re.compile(
    r"""<a\s+href\s*=\s*(["'])((?:https?:)?//(?:www\.|m\.)?(?:youtube\.com/watch\?|youtu\.be/)"""
    r"""[^"'<>\s]{0,300})\1\s*>\s*(\d{1,2}(?::\d{2}){1,2})\s*</a>""",
    re.IGNORECASE,
)
_TIME_PARAMETER = re.compile(r"[?&;]t=[0-9hms]+(?:[&#]|$)")


def _keep_the_time(match: re.Match) -> str:
    """Return the time a timestamp link shows, or the link unchanged if it is not one."""
    return match.group(3) if _TIME_PARAMETER.search(html.unescape(match.group(2))) else match[0]


def unlink_timestamps(text: str) -> str:
    """Return comment HTML with video-timestamp links replaced by the time they show."""
    return _TIMESTAMP_LINK.sub(_keep_the_time, text) if "<a" in text.lower() else text


#: An opening link tag and its href (an attribute of its own, not "data-href"); its runs
#: are bounded like `_TAG`'s, so unclosed tags stay cheap.
_LINK_TAG = re.compile(
    r"""<a\s(?:[^>]{0,500}?\s)?href\s*=\s*["']?([^"' >]{1,2000})[^>]{0,500}>""", re.I
)


@lru_cache(maxsize=32)
def normalise(text: str) -> str:
    """Return comment text with HTML tags and entities undone, NFKC-folded, spaces squeezed.

    Keeps the href target of links so URLs stay visible to the features, except for the
    links a video site makes of typed timestamps (`unlink_timestamps`). Cached for the
    last few texts: the tokenizer and the metadata features both normalise each comment.
    """
    if not text:
        return ""
    if "<" in text:  # most comments hold no tag, and then none of these changes a thing
        text = unlink_timestamps(text)
        text = _LINK_TAG.sub(r" \1 ", text)
        text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = unicodedata.normalize("NFKC", text)
    for invisible in _INVISIBLE:  # one replace a character: str.translate reads every one
        text = text.replace(invisible, "")
    return " ".join(text.split())  # every run of white space one space, none at the ends


def tokenize(text: str) -> list[str]:
    """Split text into lower-case tokens, keeping URLs, e-mails, emoticons and handles whole."""
    return _TOKENIZER.tokenize(normalise(text))


#: Placeholders that stand in for tokens a model must not learn verbatim.
URL_TOKEN = "<url>"
EMAIL_TOKEN = "<email>"
NUMBER_TOKEN = "<number>"
#: A long number written the way people write amounts and dates, not phones:
#: "857.482.940" (views), "1,250,000", "2008-2010", "12.05.2015".
COUNT_TOKEN = "<count>"
DATE_TOKEN = "<date>"
HANDLE_TOKEN = "<handle>"

#: A link, or a bare domain of up to ten labels (unbounded, "1.1.1.1..." backtracked for
#: a quarter of a second per comment). See `is_product_name` for "ASP.NET".
URL = re.compile(
    r"""(?:https?://|www\.)[^\s<>"']+"""
    r"""|\b[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){0,8}\.(?:com|net|org|info|biz|io|co|us|uk|"""
    r"""ru|in|de|xyz|top|online|site|shop|store|club|live|app|me|tv|ly|gl|be|to|pro|ca|au|"""
    r"""[a-z]{2}\.[a-z]{2})\b(?:/[^\s<>"']*)?""",
    re.I,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
#: Product names readers of technical blogs write every day look like addresses: the
#: well-known ones are listed, read in any case ("ASP.NET", "asp.net", "Socket.io");
#: others are named in mixed case with the ending in capitals ("Quartz.NET",
#: "CruiseControl.NET"). A shop stays a link, in lower case or shouted: "cheap-pills.net",
#: "CHEAP-PILLS.NET", "CHEAP-PILLS.COM".
PRODUCT_NAMES = frozenset(read_word_list(PRODUCT_NAMES_FILE))
_PRODUCT_NAME = re.compile(r"[A-Za-z0-9][\w-]{0,62}(?:\.[\w-]{1,63}){0,8}\.(?:NET|IO)")


def is_product_name(text: str) -> bool:
    """Whether a bare domain-like name is a product name ("ASP.NET", "socket.io")."""
    if text.lower() in PRODUCT_NAMES:
        return True
    return not text.isupper() and _PRODUCT_NAME.fullmatch(text) is not None


_NUMBER = re.compile(r"^[+(]?\d[\d\s().-]{5,}\d$")
#: Thousands grouped by "." or "," (a phone is grouped by spaces or dashes, or not at all);
#: also left out of the spam features' digit share.
GROUPED_COUNT = r"[1-9]\d{0,2}(?:[.,]\d{3})+"
_GROUPED_COUNT = re.compile(GROUPED_COUNT)
#: A day.month.year date, or a span of years ("2008-2010", "1999/2000").
_DATE = re.compile(
    r"\d{1,2}[./-]\d{1,2}[./-](?:19|20)?\d\d|(?:1[89]|20)\d\d\s?[-/\u2013]\s?(?:1[89]|20)?\d\d"
)
_WORD = re.compile(r"\w", re.U)


@lru_cache(maxsize=1 << 16)
def _model_token(token: str) -> str:
    """Map one tokenizer token to the form a model sees."""
    if EMAIL.fullmatch(token):
        return EMAIL_TOKEN
    if URL.fullmatch(token) or token.startswith(("http:", "https:", "www.")):
        return URL_TOKEN
    if token.startswith("@") and len(token) > 1:
        return HANDLE_TOKEN
    if _NUMBER.match(token):
        if _GROUPED_COUNT.fullmatch(token):
            return COUNT_TOKEN
        if _DATE.fullmatch(token):
            return DATE_TOKEN
        return NUMBER_TOKEN
    return token


#: The TweetTokenizer's own patterns (URLs, emoticons, phone numbers, handles, words),
#: compiled once with the standard library: nltk's per-call timeout wrapper and its
#: per-token emoticon test cost more than the rest of scoring together.
_TWEET_WORDS = re.compile(f"({'|'.join(casual.REGEXPS_PHONE)})", re.VERBOSE | re.I)
_LENGTHENING = re.compile(r"(.)\1{2,}")
_HANG = re.compile(r"([\W_])\1{3,}")  # casual.HANG_RE without the regex module
_EMOTICON = re.compile(casual.EMOTICONS, re.VERBOSE | re.I)
_DIGIT_RUN = re.compile(r"\d{16,}")

#: A run of white space, kept by `re.split` between the runs of text it separates.
_SPACES = re.compile(r"(\s+)")


def tweet_words(text: str) -> list[str]:
    """Return what `_TWEET_WORDS.findall(text)` returns, the regular expression run only
    over the parts of `text` that are not plain words.

    Most of a comment is words of letters between spaces, and the tweet patterns try a
    link, a phone number and an emoticon at every letter before they settle for a word.
    A run of letters alone between spaces is one token whatever surrounds it: no pattern
    matches it but the word one, and the only matches that cross a space (phone numbers,
    dotted ellipses) hold no letter. So each such run is taken as it is, and the pattern
    reads the rest, each stretch between two such runs whole, spaces included.
    """
    pieces = _SPACES.split(text)  # runs of text at even indexes, the spaces between at odd
    words: list[str] = []
    first = None  # where the stretch the pattern has still to read begins, in `pieces`
    for i in range(0, len(pieces), 2):
        piece = pieces[i]
        if piece.isalpha():
            if first is not None:
                words.extend(_TWEET_WORDS.findall("".join(pieces[first : i - 1])))
                first = None
            words.append(piece)
        elif piece and first is None:
            first = i
    if first is not None:
        words.extend(_TWEET_WORDS.findall("".join(pieces[first:])))
    return words


#: Text beyond this many characters is not read by models (spam shows itself early,
#: and it bounds the cost of one request).
MODEL_TEXT_LIMIT = 5000


def fast_tokenize(text: str) -> list[str]:
    """Tokenize like `tokenize` (nltk TweetTokenizer rules), several times faster.

    Runs of 16+ digits are cut to 15 first: the phone pattern backtracks on them.
    """
    text = _DIGIT_RUN.sub(lambda m: m.group()[:15], normalise(text[: MODEL_TEXT_LIMIT * 2]))
    text = _LENGTHENING.sub(r"\1\1\1", text[:MODEL_TEXT_LIMIT])
    text = _HANG.sub(r"\1\1\1", text)
    tokens = []
    for word in tweet_words(text):
        if word.isalnum():  # most tokens: a plain word, no product name nor emoticon
            tokens.append(word.lower())
        elif "." in word and is_product_name(word):  # "ASP.NET" reads as its words
            tokens.extend(part.lower() for part in word.split(".") if part)
        else:
            tokens.append(word if _EMOTICON.search(word) else word.lower())
    return tokens


def model_tokens(text: str) -> list[str]:
    """Tokenize for a model: URLs, e-mails, handles and long numbers become placeholders.

    A spam model that learns one shop's URL or one phone number learns nothing that
    carries to the next site; the placeholders keep the fact and drop the value.
    """
    return [_model_token(token) for token in fast_tokenize(text)]


def is_word(token: str) -> bool:
    """Return whether a model token is a word (not punctuation, emoticon or placeholder)."""
    return not token.startswith("<") and bool(_WORD.search(token))


# --- text for phrase matching (medical triage and red flags) ---------------------------

_APOSTROPHES = "\u2019\u2018\u02bc`"
#: Where a sentence ends: after . ! ? … (and closing quotes), at a line break, and at a
#: question mark run straight into the next word ("ok?thanks").
SENTENCE_SPLIT = re.compile(r"(?<=[.!?\u2026])[\"')\]]*\s+|\s*\n+\s*|(?<=\?)(?=\w)")
#: Question marks of other scripts: Greek writes ";" (NFKC folds U+037E to it), Arabic "؟".
_GREEK_QUESTION = re.compile(r"(?<=[\u0370-\u03ff\u1f00-\u1fff]);")
#: Longest text the phrase matchers read, in characters: its head and its tail (a
#: question sits at the start or the end of a long story). Every phrase pattern runs
#: over the text, so an unbounded comment would cost seconds of CPU per request.
TEXT_LIMIT = MODEL_TEXT_LIMIT
_TAIL = 1000


def _head_and_tail(text: str, limit: int) -> str:
    """Return `text` cut to at most `limit` characters: its head, a line break, its tail."""
    if len(text) <= limit:
        return text
    return text[: limit - _TAIL - 1] + "\n" + text[-_TAIL:]


@lru_cache(maxsize=64)
def clean_text(text: str) -> str:
    """Return text for phrase matching: normalised, apostrophes straightened, other
    scripts' question marks written "?", a long comment cut to its head and tail.

    Cached for the last few texts: the cue analysis, the red flags and the medical
    n-grams each read the same comment's clean text."""
    text = normalise(_head_and_tail(text or "", 2 * TEXT_LIMIT))
    text = _head_and_tail(text, TEXT_LIMIT)
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    return _GREEK_QUESTION.sub("?", text.replace("\u061f", "?"))


def split_sentences(text: str) -> list[str]:
    """Split comment text into sentences; a lone question mark also ends one."""
    return [s.strip() for s in SENTENCE_SPLIT.split(text) if s and s.strip()]
