"""The spam model's reasons: per-column contributions told in the moderator's words.

`spam_reasons` groups the log-odds contribution of every column of a comment's row
into reasons: metadata signals by their code (links, phone, self-promotion ...), the
placeholders and punctuation of the text by kind, and runs of neighbouring words that
push the same way as word or phrase reasons. Then it keeps the strongest for the
verdict's direction and the strongest against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache, partial

import numpy as np

from moderator.core.reasons import Reason
from moderator.spam.facts import CommentFacts
from moderator.spam.features import REPLY_TOKEN, Encoded, is_placeholder
from moderator.spam.links import link_domain
from moderator.spam.signals import METADATA
from moderator.text.tokens import (
    COUNT_TOKEN,
    DATE_TOKEN,
    EMAIL_TOKEN,
    HANDLE_TOKEN,
    NUMBER_TOKEN,
    URL_TOKEN,
    is_word,
)

REASON_SOURCE = "spam_model"
#: Reasons shown per verdict: the strongest for the verdict, then the strongest against.
REASONS_FOR, REASONS_AGAINST = 4, 2
#: Contributions smaller than this (in log-odds) are noise, not reasons.
MIN_WEIGHT = 0.05
MAX_PHRASE = 6

#: The reason code of each metadata column, in column order.
_METADATA_CODES = tuple(code for _, code in METADATA)
_PLACEHOLDER_CODES = {
    URL_TOKEN: "links",
    EMAIL_TOKEN: "email",
    NUMBER_TOKEN: "numbers",
    COUNT_TOKEN: "numbers",
    DATE_TOKEN: "numbers",
    REPLY_TOKEN: "reply",
    HANDLE_TOKEN: "referral",
}


def spam_reasons(
    encoded: Encoded, weights: np.ndarray, metadata_offset: int, towards_spam: bool
) -> tuple[Reason, ...]:
    """Turn a comment's per-column contributions (log-odds) into its shown reasons.

    `metadata_offset` is the first metadata column; `towards_spam` says which way the
    verdict leans, so its reasons come first.
    """
    per_token = np.bincount(
        encoded.origin_token,
        weights=weights[encoded.origin_slot] * encoded.origin_share,
        minlength=len(encoded.tokens),
    ).tolist()
    first_meta = int(np.searchsorted(encoded.columns >= metadata_offset, True))
    signals = zip(
        (encoded.columns[first_meta:] - metadata_offset).tolist(),
        weights[first_meta:].tolist(),
        strict=True,
    )
    return told_reasons(encoded.tokens, encoded.facts, per_token, signals, towards_spam)


def told_reasons(
    tokens: list[str],
    facts: CommentFacts,
    per_token: list[float],
    signals: Iterable[tuple[int, float]],
    towards_spam: bool,
) -> tuple[Reason, ...]:
    """Return the shown reasons of a comment from its tokens' weights and its signals'.

    `per_token` is each token's share of the contributions (log-odds), `signals` each
    nonzero metadata signal's place in `METADATA` with its contribution, in that order.
    """
    by_code: dict[str, float] = {}
    for signal, weight in signals:
        code = _METADATA_CODES[signal]
        by_code[code] = by_code.get(code, 0.0) + weight
    kinds = list(map(_token_kind, tokens))
    words = [kind == "word" for kind in kinds]
    for position, kind in enumerate(kinds):
        if kind == "word":
            continue
        if tokens[position] == NUMBER_TOKEN and facts.phones:
            kind = "phone"
        by_code[kind] = by_code.get(kind, 0.0) + per_token[position]
    # candidates first, as (weight, code, message, phrase): a Reason is built only for
    # the few shown. A metadata code is one candidate's alone, so its message (built
    # later) never breaks a tie and stands empty until then.
    candidates = [
        (weight, code, "", None) for code, weight in by_code.items() if abs(weight) >= MIN_WEIGHT
    ]
    candidates.extend(_phrase_runs(tokens, per_token, words))
    chosen = _select(candidates, towards_spam)
    if not chosen:
        return (Reason("no_signals", "no strong signals either way", 0.0, (), REASON_SOURCE),)
    return tuple(
        _metadata_reason(code, weight, facts)
        if phrase is None
        else Reason(code, message, weight, (phrase,), REASON_SOURCE)
        for weight, code, message, phrase in chosen
    )


@lru_cache(maxsize=1 << 16)
def _token_kind(token: str) -> str:
    """Return "word", or the reason code a non-word token feeds (links, email, punctuation)."""
    if is_placeholder(token):
        return _PLACEHOLDER_CODES.get(token, "links")
    return "word" if is_word(token) else "punctuation"


def phrase_reasons(tokens: list[str], per_token: list[float], words: list[bool]) -> list[Reason]:
    """Group neighbouring words pushing the same way into phrase reasons.

    A run is consecutive words whose weights share a sign, at most MAX_PHRASE long; a
    token that is no word or weighs too little ends it.
    """
    return [
        Reason(code, message, weight, (phrase,), REASON_SOURCE)
        for weight, code, message, phrase in _phrase_runs(tokens, per_token, words)
    ]


#: A reason before it is built: (weight, code, message, phrase), the phrase None for a
#: metadata reason (its message is told only if it is shown).
Candidate = tuple[float, str, str, str | None]


def _phrase_runs(tokens: list[str], per_token: list[float], words: list[bool]) -> list[Candidate]:
    """Return the runs `phrase_reasons` describes, as candidates."""
    runs: list[Candidate] = []
    floor = MIN_WEIGHT / 4
    start = end = 0  # the open run is tokens[start:end]
    weight = 0.0
    for position, value in enumerate(per_token):
        strong = words[position] and abs(value) >= floor
        if end > start and (
            not strong or (per_token[start] > 0) != (value > 0) or end - start >= MAX_PHRASE
        ):
            _add_phrase(runs, tokens[start:end], weight)
            start = end
        if strong:
            if end == start:
                start, weight = position, 0.0
            end = position + 1
            weight += value
    if end > start:
        _add_phrase(runs, tokens[start:end], weight)
    return runs


def _add_phrase(runs: list[Candidate], run: list[str], weight: float) -> None:
    """Append a word or phrase candidate for a run of words, when it weighs enough."""
    if abs(weight) >= MIN_WEIGHT:
        phrase = " ".join(run)
        kind = "phrase" if len(run) > 1 else "word"
        runs.append((weight, kind, f"{kind} '{phrase}'", phrase))


# --- metadata reasons: one message builder per code ------------------------------------

#: Signals whose message needs nothing from the comment.
_PLAIN_MESSAGES = {
    "numbers": "long number in text",
    "author_keyword": "author name is a product keyword",
    "generic_praise": "generic praise with a link or website",
    "symbols": "many symbols",
    "digits": "many digits",
    "punctuation": "punctuation and emoticons",
    "repetition": "repeated words or letters",
    "mixed_script": "look-alike letters from another alphabet inside words",
    "on_topic": "mentions the post's topic",
    "reply": "replies to someone (opens with their @handle)",
    "styled_letters": "letters in a decorative Unicode font",
}
_PROMO_MESSAGES = {
    "self_promo": "promotes their own channel or site:",
    "call_to_action": "call to action:",
    "contact_request": "asks to be contacted:",
    "earn_win": "promises money or prizes:",
    "testimonial": "testimonial for someone who made or recovered money:",
    "service_ad": "advertises a service or its phone line:",
}

#: A message and its evidence, from the facts of a comment.
Told = tuple[str, tuple[str, ...]]


def _count(n: int, one: str, many: str) -> str:
    """Return "1 link" / "3 links"."""
    return f"{n} {one if n == 1 else many}"


def _links(facts: CommentFacts) -> Told:
    """Count the links, disguised ones included."""
    n = len(facts.links) + len(facts.obfuscated)
    return (_count(n, "link", "links") if n else "link in text"), facts.links


def _promo(code: str, facts: CommentFacts) -> Told:
    """Quote the first promotional phrase of one family."""
    evidence = tuple(dict.fromkeys(phrase for family, phrase in facts.promo if family == code))
    return (f"{_PROMO_MESSAGES[code]} '{evidence[0]}'" if evidence else code), evidence


def _reference_link(facts: CommentFacts) -> Told:
    """Name the reference site the comment cites."""
    cited = tuple(dict.fromkeys(link_domain(link) for link in facts.links)) or ("a source",)
    return f"links only to a reference site ({cited[0]})", cited


def _referral(facts: CommentFacts) -> Told:
    """Name the account the comment sends readers to."""
    if facts.referrals:
        return f"sends readers to an account ({facts.referrals[0]})", facts.referrals
    return "mentions an account after its opening words", ()


def _length(facts: CommentFacts) -> Told:
    """Say how long the comment is, in words a moderator uses."""
    features = facts.features
    if features["len_very_long"]:
        return "very long comment", ()
    if features["len_long"]:
        return "long comment", ()
    return ("very short comment" if features["len_tiny"] else "short comment"), ()


def _share(feature: str, told: str) -> Callable[[CommentFacts], Told]:
    """Return a builder saying what percentage a 0..1 feature is ("42% capital letters")."""
    return lambda facts: (f"{round(100 * facts.features[feature])}% {told}", ())


_MESSAGE_BUILDERS: dict[str, Callable[[CommentFacts], Told]] = {
    "links": _links,
    "link_shortener": lambda f: (f"shortened link ({f.shorteners[0]})", f.shorteners),
    "risky_domain": lambda f: (
        f"link to a .{f.risky_domains[0].rsplit('.', 1)[-1]} site",
        f.risky_domains,
    ),
    "obfuscated_url": lambda f: (f"disguised web address '{f.obfuscated[0]}'", f.obfuscated),
    "email": lambda f: ("e-mail address in text", f.emails),
    "phone": lambda f: ("phone number in text", f.phones),
    "messenger": lambda f: (f"asks for contact on {f.messengers[0]}", f.messengers),
    "money": lambda f: (f"money amount '{f.money[0]}'", f.money),
    "author_url": lambda f: (f"author gave a website ({f.author_domain})", (f.author_domain,)),
    "author_url_in_text": lambda f: (
        "author's website also appears in the text",
        (f.author_domain,),
    ),
    "author_url_keyword": lambda f: (
        f"author's website is named like a shop or keyword ({f.author_site or f.author_domain})",
        (f.author_domain,),
    ),
    **{code: partial(_promo, code) for code in _PROMO_MESSAGES},
    "reference_link": _reference_link,
    "referral": _referral,
    "money_testimonial": lambda f: (
        "thanks an account for money made"
        + (f" and sends readers to it ({f.referrals[0]})" if f.referrals else ""),
        f.referrals,
    ),
    "help_request": lambda f: (
        f"asks for help: '{f.help_requests[0]}'" if f.help_requests else "asks for help",
        f.help_requests,
    ),
    "length": _length,
    "capitals": lambda f: ("written in capitals" if f.features["shouting"] else "few capitals", ()),
    "script": _share("non_latin", "of letters in a non-Latin script"),
    "language": _share("english_ratio", "common English words"),
}


def metadata_reason(code: str, weight: float, encoded: Encoded) -> Reason:
    """Describe one metadata signal in the moderator's words."""
    return _metadata_reason(code, weight, encoded.facts)


def _metadata_reason(code: str, weight: float, facts: CommentFacts) -> Reason:
    """Describe one metadata signal of a comment with these facts."""
    if code in _PLAIN_MESSAGES:
        message, evidence = _PLAIN_MESSAGES[code], ()
    elif code in _MESSAGE_BUILDERS:
        message, evidence = _MESSAGE_BUILDERS[code](facts)
    else:
        message, evidence = code.replace("_", " "), ()
    return Reason(code, message, weight, tuple(evidence)[:5], REASON_SOURCE)


def _select(candidates: list[Candidate], towards_spam: bool) -> list[Candidate]:
    """Pick the strongest candidates for the verdict's direction, then the strongest against."""
    sign = 1.0 if towards_spam else -1.0
    ranked = sorted(candidates, key=lambda c: (-abs(c[0]), c[1], c[2]))
    chosen = [c for c in ranked if c[0] * sign > 0][:REASONS_FOR]
    chosen += [c for c in ranked if c[0] * sign < 0][:REASONS_AGAINST]
    return chosen
