"""Facts about a comment: contacts, author, shape and script, on hand-written comments."""

import pytest

from moderator.core.comment import Comment
from moderator.spam.facts import author_looks_like_keyword, comment_facts
from moderator.spam.signals import METADATA_NAMES


def facts_of(content="", **fields):
    return comment_facts(Comment(content=content, **fields))


def test_links_emails_and_phones_are_counted():
    facts = facts_of(
        "See https://a.example/x and www.b.example, mail sales@shop.com or "
        "call +1 (800) 555-1234 on WhatsApp"
    )
    assert len(facts.links) == 2
    assert facts.emails == ("sales@shop.com",)
    assert facts.phones == ("+1 (800) 555-1234",)
    assert facts.features["link_2"] == 1.0
    assert facts.features["messenger"] == 1.0


def test_long_runs_still_find_money_domains_and_obfuscated_urls():
    """The bounded patterns still match real amounts, domains and obfuscations."""
    facts = facts_of(
        "Earn $5,000.00 a week or 300 usd a day at my-shop.example.co.uk, see cheap-pills dot com"
    )
    assert facts.features["money"] == 1.0
    assert len(facts.links) == 1 and "my-shop.example.co.uk" in facts.links[0]
    assert facts.features["obfuscated_url"] == 1.0
    # a run of digits or labels is one value, not thousands of overlapping ones
    assert facts_of("1-" * 3000).features["obfuscated_url"] == 0.0
    assert facts_of("1." * 3000).links == ()


@pytest.mark.parametrize(
    "text",
    [
        "I paid 40 dollars for it in 2019.",
        "Version 3.11 is out. Thanks!",
        "We met at 10.30 by the dock.",
        # counts and amounts, not phones
        "2.126.521.750 views!!!",
        "Holy crap. 800,000,000 views?!",
        "1000000000 views.",
        "Over 3 000 000 000 people have seen it",
        # "message", "text", "call" without someone to contact
        "A message for everyone who says the 90s had no good music",
        "I call this the best cover on the channel",
    ],
)
def test_ordinary_text_has_no_contact_signals(text):
    features = facts_of(text).features
    assert features["phone"] == features["obfuscated_url"] == features["email"] == 0.0
    assert features["link_1"] == 0.0
    assert features["contact_request"] == 0.0


@pytest.mark.parametrize(
    ("author", "keyword"),
    [
        ("Best Back Brace 2024", True),
        ("cheap essay writing service", True),
        ("hotel deals", True),
        ("www.shop.example", True),
        ("Pest Control Sydney", True),
        ("Tree Removal", True),
        ("Knee Replacement Surgeon", True),
        # people who sign with their trade
        ("Jane Smith, dentist", False),
        ("Dr. Patel, surgeon", False),
        ("Tom the tutor", False),
        ("Visa Mäkinen", False),
        ("Retired Dentist", False),
        ("Grumpy Electrician", False),
        ("Maya", False),
        ("Mary Anne de Vries", False),
        ("Tom K.", False),
        ("Dr. Anne Smith", False),
        ("", False),
    ],
)
def test_keyword_author_names(author, keyword):
    assert author_looks_like_keyword(author) is keyword


@pytest.mark.parametrize(
    "author",
    [
        "Phương Linh Nguyễn Ngọc",
        "Yuliana Andrea Caucali Acosta",
        "Mary Anne de Vries",
        "Mohammed bin Abdullah Al Harbi",
    ],
)
def test_long_real_names_are_no_spam_signal(author):
    """A name's length says nothing: real names run to four words and more in many
    languages. (Our spam corpus has more long names than our genuine one, and a length
    feature learnt that bias: +1.2 logits for 'Phương Linh Nguyễn Ngọc'.)"""
    assert not author_looks_like_keyword(author)
    features = facts_of("Lovely song", author=author).features
    assert not any(value for name, value in features.items() if name.startswith("author"))


def test_website_named_like_a_shop_is_a_feature_with_a_reason_source():
    shop = facts_of("Nice post", author="Lorenzo", author_url="https://cheap-jerseys-wholesale.us")
    person = facts_of("Nice post", author="Sue", author_url="https://suesknits.wordpress.com")
    assert shop.features["author_url_keyword"] == 1.0 and shop.features["author_url"] == 1.0
    assert person.features["author_url_keyword"] == 0.0 and person.features["author_url"] == 1.0
    assert "author_url_keyword" in METADATA_NAMES


@pytest.mark.parametrize(
    "text",
    [
        "Text me on 07700 900123 or message me directly",
        "+1 555 123 4567 people are waiting for your call",
        "llama al 612.345.678 para tu pedido",
        "call 0800 123 4567 views are free",
    ],
)
def test_phones_are_found_even_beside_a_count_word(text):
    """Only a number written as a count and followed by what it counts is not a phone."""
    assert facts_of(text).features["phone"] == 1.0


@pytest.mark.parametrize(
    "text",
    [
        "Thumbs up if you watched it in 2011",
        "the 1990s were better, 2008-2010 too",
        "at 3:45 the drop starts, 12.05.2015 was the first show",
        "857.482.940 views and the 21st of June",
    ],
)
def test_years_dates_times_and_counts_are_not_digit_heavy(text):
    """Only digits of codes, phones and prices make a comment digit-heavy."""
    assert facts_of(text).features["digit_ratio"] == 0.0


@pytest.mark.parametrize("text", ["call 09061701461 now", "Txt WIN to 87121 for £1.50/wk"])
def test_phones_and_short_codes_are_digit_heavy(text):
    assert facts_of(text).features["digit_ratio"] > 0.5


def test_a_contact_request_needs_someone_to_contact():
    assert facts_of("message me directly for the price").features["contact_request"] == 1.0


def test_author_url_domain_in_text():
    facts = facts_of(
        "Great read, more on backbracereviewz.com", author_url="https://backbracereviewz.com/x"
    )
    assert facts.author_domain == "backbracereviewz.com"
    assert facts.features["author_url_in_text"] == 1.0
    assert (
        facts_of("Great read", author_url="https://me.example").features["author_url_in_text"]
        == 0.0
    )


def test_script_hints():
    assert facts_of("Привет, отличная статья").features["non_latin"] == 1.0
    assert facts_of("Buy chеap pills").features["mixed_script"] == 1.0  # Cyrillic е
    assert facts_of("Buy cheap pills").features["mixed_script"] == 0.0


def test_shape_features():
    features = facts_of("FREE MONEY NOW!!! CLICK CLICK CLICK CLICK CLICK CLICK CLICK").features
    assert features["shouting"] == 1.0 and features["exclaim_runs"] == 1.0
    assert features["repeated_words"] > 0.5
    assert facts_of("ok").features["len_tiny"] == 1.0


def test_post_title_mention():
    comment = {"post_title": "Growing Tomatoes in Pots"}
    assert facts_of("My tomatoes split after rain", **comment).features["mentions_title"] == 1.0
    assert facts_of("Nice post", **comment).features["mentions_title"] == 0.0


def test_a_comment_citing_only_sources_says_so():
    cites = facts_of("Good overview here: https://en.wikipedia.org/wiki/Sourdough")
    mixed = facts_of("See https://en.wikipedia.org/wiki/CBD and buy at https://cbd-shop.xyz")
    hidden = facts_of("see en dot wikipedia dot org and https://docs.python.org/3/")
    spoofed = facts_of("cheap meds: https://cheapmeds.example\\.wikipedia.org/x")
    selling = facts_of("Pills here, WhatsApp +1 555 201 4477 https://en.wikipedia.org/wiki/X")
    assert spoofed.features["reference_links"] == 0.0
    assert selling.features["reference_links"] == 0.0
    assert cites.features["reference_links"] == 1.0
    assert mixed.features["reference_links"] == 0.0
    assert hidden.features["reference_links"] == 0.0
    assert facts_of("no links at all").features["reference_links"] == 0.0


@pytest.mark.parametrize(
    ("text", "shouting"),
    [
        ("FREE MONEY FOR EVERYONE today", 1.0),
        # the same share in text with accented letters
        ("FRÉÉ MÖNEY FÖR EVERYONE today", 1.0),
        # a capitalised title is not shouting: case tells sources apart, not spam
        ("How Do I Send Email From A Page", 0.0),
        ("TOO SHORT", 0.0),
    ],
)
def test_shouting_counts_capitals_among_letters_only(text, shouting):
    """Capitals are counted among letters, whatever the alphabet; digits, spaces and
    punctuation do not dilute them. There is no share-of-capitals column: ScamSpot is
    lower-cased and Stack Exchange titles are capitalised, so it told sources apart."""
    assert facts_of(text).features["shouting"] == shouting
    assert facts_of(f"{text} 12345 !!! ...").features["shouting"] == shouting
    assert "caps_ratio" not in facts_of(text).features


def test_a_product_name_is_no_link_but_a_shop_in_capitals_is():
    assert facts_of("Same issue on ASP.NET Core 6 and Socket.IO").links == ()
    assert facts_of("Visit CHEAP-PILLS.COM today").links == ("CHEAP-PILLS.COM",)


@pytest.mark.parametrize(
    "text",
    [
        "same issue on asp.net core 6, vb.net and ado.net with socket.io",
        "Same issue on ASP.NET Core 6, VB.NET and ADO.NET with Socket.IO",
    ],
)
def test_a_product_name_in_any_case_is_no_link_but_a_shop_is(text):
    """Readers write "asp.net" and "socket.io" in lower case; neither is a link nor an
    address spelt out. A shop stays a link, in lower case or shouted."""
    facts = facts_of(text)
    assert facts.links == ()
    assert facts.features["link_1"] == 0.0
    for shop in ("cheap-pills.net", "CHEAP-PILLS.NET"):
        assert facts_of(f"visit {shop} today").links == (shop,)


# --- whom a comment speaks to and whom it sends readers to --------------------------------


@pytest.mark.parametrize("text", ["@sam 🔥", "@ann_k @bob.s: agreed, rates will fall", "@jo lol"])
def test_a_comment_opening_with_handles_is_a_reply_not_a_referral(text):
    facts = facts_of(text)
    assert facts.features["reply_mention"] == 1.0
    assert facts.features["referral_handle"] == 0.0
    assert facts.referrals == ()


@pytest.mark.parametrize(
    ("text", "account"),
    [
        ("i got my returns, all thanks to @anna_fx", "@anna_fx"),
        ("if you need a good trader write to @trade.with.mike today", "@trade.with.mike"),
        ("well two trades i did lose on but thanks again #ameliaa__mckean__", "#ameliaa__mckean__"),
        ("she is honest and reliable, message @coach_bella 💯🙏", "@coach_bella"),
    ],
)
def test_a_handle_readers_are_sent_to_is_a_referral(text, account):
    facts = facts_of(text)
    assert facts.referrals == (account,)
    assert facts.features["referral_handle"] == 1.0
    assert facts.features["reply_mention"] == 0.0


def test_an_e_mail_address_and_a_topic_hashtag_are_no_handles():
    facts = facts_of("thanks, write to anna@example.com, I love #bitcoin")
    assert facts.features["referral_handle"] == 0.0
    assert facts.referrals == ()


def test_a_handle_merely_mentioned_is_no_referral():
    """Fans tag each other ("2 legends 🔥 @ann @bob"): only a cue sends readers on."""
    assert facts_of("2 legends!! 🔥 @mrbeast @gpstephan").referrals == ()


def test_money_gratitude_and_a_referral_make_an_investment_testimonial():
    testimonial = facts_of(
        "i invested $1,000 and got a return of $9,500 after one week. "
        "her diligence is undeniable @earnwithmaria"
    )
    assert testimonial.features["money_testimonial"] == 1.0
    # each part alone is an ordinary comment
    assert facts_of("@sam thanks, I invested $1,000 too").features["money_testimonial"] == 0.0
    assert facts_of("thanks to @sam for the tip").features["money_testimonial"] == 0.0
    assert facts_of("I made $900 trading, ask @sam").features["money_testimonial"] == 0.0


def test_letters_in_a_decorative_font_are_read_as_words_and_kept_as_a_signal():
    from moderator.spam.features import spam_tokens

    styled = "𝐘𝐨𝐮 𝐜𝐚𝐧 𝐢𝐧𝐯𝐞𝐬𝐭 𝐚𝐧𝐝 𝐦𝐚𝐤𝐞 𝐢𝐧𝐜𝐨𝐦𝐞"
    assert spam_tokens(styled) == spam_tokens("You can invest and make income")
    assert facts_of(styled).features["styled_letters"] == 1.0
    assert facts_of("You can invest and make income").features["styled_letters"] == 0.0
    assert facts_of("café, naïve, Привет 🔥").features["styled_letters"] == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Please help, my knee has been swollen for a week",
        "Can anyone explain why this loop never ends?",
        "I need some advice about my mother's medication",
        "What should I do if the dough does not rise?",
    ],
)
def test_a_reader_asking_for_help_is_told_apart(text):
    facts = facts_of(text)
    assert facts.features["help_request"] == 1.0
    assert facts.help_requests
    assert facts.features["call_to_action"] == 0.0


def test_only_the_opening_handles_become_reply_tokens():
    from moderator.spam.features import REPLY_TOKEN, spam_tokens

    assert spam_tokens("@ann @bob thanks to @carl") == [
        REPLY_TOKEN,
        REPLY_TOKEN,
        "thanks",
        "to",
        "<handle>",
    ]
