"""The phrase families: spelt-out addresses and selling phrases, found in either case."""

import random

import pytest

from moderator.core.comment import Comment
from moderator.spam import lexicons, links
from moderator.spam.facts import _read_text, comment_facts
from moderator.spam.lexicons import (
    GENERIC_PRAISE,
    MESSENGER,
    OBFUSCATED_URL,
    OBFUSCATION_HINT,
    PROMO_FAMILIES,
    CaseBlind,
)
from tests.medical.test_direct_scoring import corpus_sample, training_comments
from tests.paths import SHARED_DATASETS


def facts_of(content="", **fields):
    return comment_facts(Comment(content=content, **fields))


@pytest.mark.parametrize(
    "text",
    [
        "visit example dot com today",
        "go to example[.]com",
        "see example (dot) net",
        "w w w",
        # one per form the cheap pre-test must let through
        "shop at bestdeals . shop",
        "mysite{.}xyz",
        "mysite [dot] page",
        "look up freestuff dot page now",
        "h t t p s : / / spam",
        "HTTP://  Bad",
        "www example . org",
        "Visit İstanbul-Tours DOT com",
    ],
)
def test_obfuscated_urls_are_found(text):
    assert facts_of(text).features["obfuscated_url"] == 1.0
    assert facts_of(text).obfuscated


def test_the_obfuscation_pre_test_lets_every_obfuscated_url_through():
    """The cheap test is a necessary condition: wherever the full pattern matches, it does."""
    texts = [
        "example dot com",
        "example ( . ) io",
        "label.ru",
        "w  w  w",
        "h t t p : //",
        "www site.",
        "abc{dot}xyz",
        "Contact: shop . co",
    ]
    for text in texts:
        assert OBFUSCATED_URL.pattern.search(text), text
        assert OBFUSCATION_HINT.pattern.search(text), text
    assert not OBFUSCATION_HINT.pattern.search("I tried it twice. It worked!")


def test_the_obfuscation_pre_test_is_necessary_on_random_text():
    """On random strings made of the patterns' own pieces, in both the case-blind and
    the lower-case forms, the full pattern never matches where the hint does not."""
    pieces = [
        "w",
        "h",
        "t",
        "p",
        "s",
        ":",
        "/",
        "dot",
        "DOT",
        ".",
        " ",
        "\t",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        "com",
        "co",
        "in",
        "ru",
        "ab",
        "x-1",
        "www",
        "İ",
        "\u00a0",
    ]
    rng = random.Random(7)
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        for full, hint, sample in (
            (OBFUSCATED_URL.pattern, OBFUSCATION_HINT.pattern, text),
            (OBFUSCATED_URL.lowered, OBFUSCATION_HINT.lowered, text.lower()),
        ):
            if full.search(sample):
                found += 1
                assert hint.search(sample), sample
    assert found > 1000  # the strings do exercise the pattern


@pytest.mark.parametrize(
    ("text", "family"),
    [
        ("Check out my channel, new covers every week", "self_promo"),
        ("please subscribe and give it a thumbs up", "call_to_action"),
        ("Contact Dr. Ade on WhatsApp for the cure", "contact_request"),
        ("I earn $300 per day from home", "earn_win"),
        # the social platforms' own: bios, follow-backs, chain letters, "write me"
        ("see more in my bio 💦", "self_promo"),
        ("new drops every week, link in bio", "self_promo"),
        ("follow for follow? I always follow back", "call_to_action"),
        ("Subbed to you ☺️ I always sub back", "call_to_action"),
        ("Paste this on 3 other vlogs and check your bank account", "call_to_action"),
        ("Folge mir und ich folge zurück", "call_to_action"),
        ("Hello dear, I am looking for serious man. Write me", "contact_request"),
        ("Hi dear how are you, add me on WhatsApp", "contact_request"),
        ("send this to 12 podcasts in the next hour", "call_to_action"),
        # a subscriber goal is self-promotion, whatever the channel
        ("help me reach 100 subscribers before christmas", "self_promo"),
        ("Road to 1k!! 🙏", "self_promo"),
        ("i only need 20 more subs", "self_promo"),
        # asking for subscribers to oneself, however it is spelt
        ("sub to me pls", "self_promo"),
        ("suscribe my chanel", "self_promo"),
        ("SUBCRIBE TO ME I SUB BACK", "self_promo"),
        ("Sub to me to win a free prize", "self_promo"),
        ("subscribe me plz", "self_promo"),
        ("subscribe my channel plz", "self_promo"),
        # testimonials for a rescuer, and services sold by phone line, trade and town
        (
            "i came in contact with @jane_trades and my life has changed for the better",
            "testimonial",
        ),
        ("I was scammed, then Dr. Ade recovered my lost funds", "testimonial"),
        ("a powerful spell caster brought my husband back", "testimonial"),
        ("Call the QuickBooks customer care number +1 800 555 0199", "service_ad"),
        ("Best Packers and Movers in Delhi", "service_ad"),
        ("Deep cleaning company in Dubai", "service_ad"),
        ("Norton support phone number", "service_ad"),
    ],
)
def test_selling_phrases_are_found_by_family(text, family):
    facts = facts_of(text)
    assert facts.features[family] == 1.0
    assert any(found == family for found, _ in facts.promo)


def test_asking_for_a_subscription_is_not_promoting_oneself():
    for text in (
        "Could you subscribe me to the newsletter?",
        "I subscribed to my favourite podcast",
        "How do I subscribe my daughter to the newsletter?",
        "Please subscribe me, the form is broken",
        "un-subscribe me please",
        "unsubscribe me",
        # "sub" is also a substitute
        "Can I sub my almond milk for oat milk?",
        "Coach, sub me in!",
    ):
        assert "self_promo" not in {family for family, _ in facts_of(text).promo}, text


def test_a_reader_asking_for_help_is_no_call_to_action():
    """Readers of a technical blog write exactly this (issue 15)."""
    for text in (
        "please help, my build fails with this error",
        "Please check my code below, the loop never ends",
        "please share the link to the slides",
        "can someone help me with step 3?",
        "I came in contact with someone who had covid, should I test?",
        "my life changed after the surgery",
        "I called customer support and they were no help",
    ):
        assert not facts_of(text).promo, text


def test_ordinary_comments_have_no_selling_phrases():
    for text in (
        "I tried the second method and it worked.",
        "My son loved this recipe!",
        "I listen to this on my spotify every morning",
        "Let me know if you want the pattern, I wrote me a note of the changes",
        "The follow-up post was even better",
        # the reviewer's ordinary comments that an earlier phrase list called selling
        "I made this in my Instant Pot",
        # a subscription is no call to subscribe; only a number makes a goal
        "I cancelled my subscription to the paper years ago",
        "can you help me get rid of back pain",
        "I'm going to send this to my mom",
        "That last paragraph really hit me.",
        "Don't ask me how, but it worked",
        "Could you add me to the newsletter?",
        "Follow back along the river to the car park",
        "Mon profil de risque a changé",
        "my bio teacher would love this",
        "write me a note when it's up",
        "Mon canal carpien me fait mal depuis des semaines",
        "It aired at 10 pm on Channel 4",
        "Call me old-fashioned, but I prefer paper maps",
        "Thanks, I'll check it out!",
        "I had to go to the store twice",
        "No hurry, whenever you have time",
    ):
        assert facts_of(text).promo == ()


@pytest.mark.parametrize(
    "prefix",
    [
        "",
        # U+0130 lowers to two characters, so this text takes the re.I path
        "İstanbul! ",
    ],
)
def test_case_blind_signals_keep_the_comment_s_own_case(prefix):
    facts = comment_facts(
        Comment(
            content=f"{prefix}Check Out My Channel on WhatsApp, Example DOT com "
            "or https://Shop.Example.xyz/Deals."
        )
    )
    assert ("self_promo", "check out my") in facts.promo
    assert facts.messengers == ("WhatsApp",)
    assert facts.obfuscated == ("Example DOT com",)
    assert facts.links == ("https://Shop.Example.xyz/Deals",)


CASE_BLIND = {
    "obfuscated_url": OBFUSCATED_URL,
    "obfuscation_hint": OBFUSCATION_HINT,
    "messenger": MESSENGER,
    "generic_praise": GENERIC_PRAISE,
    **dict(PROMO_FAMILIES),
}
#: Comments in mixed case that each family has something to find in, or nearly.
MIXED_CASE = [
    "Check Out My Channel, SUBSCRIBE and Click Here!",
    "Contact Dr. Ade on WhatsApp or TELEGRAM for the cure",
    "Earn $300 Per Day From Home, Guaranteed BONUS",
    "Great Article, Thanks For Sharing! Visit Example DOT Com",
    "H T T P S : / / Shop (DOT) Example . CO",
    "Mein Kanal: SCHAU IN MEIN PROFIL, Folge Mir",
    "I Was Scammed Until Dr. Ade Recovered My Lost Funds, SPELL CASTER",
    "Best Packers And Movers In Delhi, QuickBooks Customer Care Number",
]


@pytest.mark.parametrize("family", sorted(CASE_BLIND))
def test_a_case_blind_family_finds_the_same_in_lower_case(family):
    """The lower-case twin finds exactly what the case-blind pattern finds, in the
    comment's own case, so choosing the faster one changes nothing."""
    pattern = CASE_BLIND[family]
    found = 0
    for text in MIXED_CASE:
        case_blind = tuple(m.group() for m in pattern.pattern.finditer(text))
        assert pattern.find(text, text.lower()) == case_blind, text
        assert pattern.has(text, text.lower()) is bool(case_blind)
        found += len(case_blind)
    assert found  # the comments do exercise the family


def test_text_that_lowers_to_more_characters_is_read_case_blind():
    """U+0130 lowers to two characters, which would shift the twin's matches: such text
    is read by the case-blind pattern itself, and what it finds keeps the text's case."""
    pattern = CaseBlind(r"dot com")
    text = "İstanbul Tours DOT COM"
    assert len(text.lower()) != len(text)
    assert pattern.find(text, text.lower()) == ("DOT COM",)
    assert pattern.has(text, text.lower())


@pytest.mark.parametrize(
    ("source", "needed"),
    [
        ("abc", ("abc",)),
        (r"\b(?:cat|dog)s?\b", ("cat", "dog")),
        (r"x?y", ("y",)),
        (r"(?:ab)+c?", ("ab",)),
        (r"[$€]\s?\d", ("$", "€")),
        (r"a\s+(?:day|week)\s+from\s+home", ("from",)),
        (r"(?<!s)pills|casino", ("casino", "pills")),
        (r"\bwww\.\w+", ("www.",)),
        (r"a*", None),
        (r"\w+@\w+", ("@",)),
        (r"\d{3,}", None),
        (r"[a-z]{2}x?", None),
        (r"(?:foo|\d+)", None),
        (r"(?i)abc", None),
        (r"(?i:abc)d?", None),
    ],
)
def test_needed_literals_are_what_every_match_holds(source, needed):
    """The strings worked out for the pre-test: each match holds one; where a pattern
    promises none, nothing is pre-tested."""
    assert CaseBlind(source).needed == needed


#: Every case-blind pattern a comment is scanned with.
ALL_CASE_BLIND = {
    name: value
    for module in (lexicons, links)
    for name, value in vars(module).items()
    if isinstance(value, CaseBlind)
}


def test_every_case_blind_pattern_is_pre_tested():
    """Each pattern of the spam signals promises some strings (else it scans every text)."""
    assert {name for name, family in ALL_CASE_BLIND.items() if family.needed is None} == set()


@pytest.fixture(scope="module")
def pre_test_sample() -> list[str]:
    """Texts to compare scans on, read once for every pattern: each training comment and
    the shared sample as the facts read them, with and without their links."""
    comments = training_comments()
    if SHARED_DATASETS.is_dir():
        comments += corpus_sample()
    texts = []
    for comment in comments:
        text = _read_text(comment)
        texts.extend([text.plain, text.body])
    return texts


@pytest.mark.parametrize("name", sorted(ALL_CASE_BLIND))
def test_the_pre_test_changes_no_scan(name, pre_test_sample):
    """On every training and sampled shared comment, a pre-tested pattern finds exactly
    what its lower-case twin finds scanning every text."""
    family = ALL_CASE_BLIND[name]
    found = 0
    for text in pre_test_sample:
        lower = text.lower()
        if len(lower) != len(text):
            continue
        scanned = [m.span() for m in family.lowered.finditer(lower)]
        assert [m.span() for m in family.finditer(text, lower)] == scanned, text
        assert family.has(text, lower) is bool(scanned), text
        found += len(scanned)
    assert found  # the sample does exercise the pattern
