"""Links and hosts: links out of the page, the author's website, cited sources."""

import pytest

from moderator.core.comment import Comment
from moderator.spam.facts import comment_facts
from moderator.spam.links import (
    RISKY_TLDS,
    author_site_name,
    is_reference_host,
    site_name_sells,
)
from moderator.text.vocabulary import SPAM_HOSTS_FILE, read_vocabulary


def facts_of(content="", **fields):
    return comment_facts(Comment(content=content, **fields))


def test_a_video_timestamp_is_not_a_link():
    """A typed "3:40" the video site turned into a link counts as text, not as a link."""
    facts = facts_of('Fave part <a href="http://www.youtube.com/watch?v=x1&amp;t=3m40s">3:40</a>')
    assert facts.links == ()
    assert facts.features["html_link"] == 0.0
    linked = facts_of('Fave part <a href="http://shop.example/deal">3:40</a>')
    assert len(linked.links) == 1 and linked.features["html_link"] == 1.0


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("https://www.cheap-jerseys-wholesale.us", "cheap-jerseys-wholesale"),
        ("https://karenbakes.blogspot.com", "karenbakes"),
        ("https://youtube.com/@rbxtipsfree", "rbxtipsfree"),
        ("https://github.com/jess-codes/dotfiles", "jess-codes"),
        ("https://brightelectricians.co.uk-trades.com", "brightelectricians.co.uk-trades"),
        ("not a url at all", "not a url at all"),
        ("", ""),
    ],
)
def test_author_site_name_is_the_name_a_site_goes_by(url, name):
    assert author_site_name(url) == name


@pytest.mark.parametrize(
    ("url", "sells"),
    [
        ("https://www.cheap-jerseys-wholesale.us", True),
        ("https://tramadolrxshop.com", True),
        ("https://manchesterplumbing247.co.uk", True),
        ("https://signals-pro-vip.xyz", True),
        ("https://www.best-office-chairs-2024.com", True),
        ("https://m.youtube.com/@cheapmedsstore", True),
        ("https://sites.google.com/view/cheap-pills-shop", True),
        # an address that hides its real host behind a userinfo or backslash
        ("https://cheap-pills-shop.com\\@youtube.com/@karen", True),
        ("https://karenbakes.blogspot.com", False),
        ("https://github.com/devanna", False),
        ("https://twitter.com/alisonr", False),
        ("https://bishopandfreeman.com", False),
        ("https://bestie-adventures.com", False),
        ("https://suesknits.wordpress.com", False),
        ("https://tombecker.net", False),
        # people's, families' and hobby blogs' names that contain a selling word
        ("https://sarahsbookreviews.wordpress.com", False),
        ("https://tombishop.com", False),
        ("https://freemanjones.com", False),
        ("https://twitter.com/jess1988", False),
        ("https://anna2024.blogspot.com", False),
        ("https://cryptographyengineering.com", False),
        ("https://myrecoveryjourney.com", False),
        ("https://jackofalltrades.net", False),
        ("https://theepicure.com", False),
        ("https://ahmeds-kitchen.com", False),
        ("https://rxjs.dev", False),
        ("https://gluten-free-baking.com", False),
        ("https://mr-money-mustache.com", False),
        ("https://annaphoto-pro.com", False),
        ("https://thespecialist.blog", False),
        ("https://socialistworker.org", False),
        ("https://replicationindex.com", False),
        ("https://foodforexplorers.com", False),
        ("https://nospills.com", False),
        ("https://myweightlossjourney.com", False),
        ("https://newjerseyscouts.org", False),
        ("jane.smith@gmail.com", False),  # an e-mail typed into the website field
        ("mailto:jane@example.org", False),
        # the service's own subdomain, percent-encoding and full-width letters hide nothing
        ("https://web.facebook.com/cheappillsstore", True),
        ("https://old.reddit.com/user/cheapmeds", True),
        ("https://%63heap%70ills.com", True),
        ("https://ｃｈｅａｐｐｉｌｌｓ.com", True),
    ],
)
def test_website_names_that_sell(url, sells):
    assert site_name_sells(url) is sells


def test_links_to_the_page_s_own_site_are_not_links_out():
    """A reader pointing to an earlier post on the same blog is finding their way around."""
    text = "You covered this in https://www.myblog.example/2019/knee-pain and https://myblog.example/faq"
    inside = facts_of(text, permalink="https://myblog.example/2024/hips")
    assert inside.links == ()
    assert inside.features["link_1"] == 0.0
    outside = facts_of(text, permalink="https://otherblog.example/post")
    assert len(outside.links) == 2
    assert outside.features["link_2"] == 1.0
    mixed = facts_of(
        "See https://myblog.example/faq and buy at https://pills.example/cheap",
        permalink="https://myblog.example/post",
    )
    assert mixed.links == ("https://pills.example/cheap",)
    # a look-alike domain is not the site itself
    fake = facts_of("https://myblog.example.pills.example/x", permalink="https://myblog.example/p")
    assert fake.features["link_1"] == 1.0
    # without a permalink every link counts
    assert facts_of(text).features["link_2"] == 1.0


@pytest.mark.parametrize(
    ("link", "permalink"),
    [
        # a browser reads "\\" as "/": these go to evil.example
        ("https://evil.example\\@myblog.example/x", "https://myblog.example/p"),
        ("https://evil.example\\.myblog.example/x", "https://myblog.example/p"),
        # one host, many people's pages
        ("https://medium.com/@spammer/cheap-pills", "https://medium.com/@author/post"),
        ("https://www.youtube.com/watch?v=abc", "https://youtube.com/watch?v=xyz"),
    ],
)
def test_links_that_only_look_internal_still_count(link, permalink):
    assert facts_of(f"see {link}", permalink=permalink).features["link_1"] == 1.0


@pytest.mark.parametrize(
    ("domain", "cited"),
    [
        ("en.wikipedia.org", True),
        ("docs.python.org", True),
        ("github.com", False),  # anyone can publish there
        ("cheapmeds.readthedocs.io", False),
        ("www.nhs.uk", True),
        ("nhs.uk", True),
        ("cdc.gov", True),
        ("assets.publishing.service.gov.uk", True),
        ("ox.ac.uk", False),  # university sites are often hacked for SEO pages
        ("wikipedia.org.cheap-pills.xyz", False),
        ("notgithub.com", False),
        ("github.io", False),
        ("", False),
    ],
)
def test_reference_hosts(domain, cited):
    assert is_reference_host(domain) is cited


@pytest.mark.parametrize(
    ("fields", "shortener", "risky"),
    [
        ({"content": "free stuff at https://bit.ly/3xYz"}, True, False),
        ({"content": "free stuff at https://www.tinyurl.com/abc"}, True, False),
        ({"content": "see https://best-deals.xyz/today"}, False, True),
        ({"content": "nice post", "author_url": "https://moscow-pills.ru"}, False, True),
        ({"content": "see https://en.wikipedia.org/wiki/Bread"}, False, False),
        # a host that merely ends like a shortener is not one
        ({"content": "see https://notbit.ly.example.com/x"}, False, False),
    ],
)
def test_shorteners_and_risky_endings_are_signals(fields, shortener, risky):
    facts = comment_facts(Comment(**fields))
    assert facts.features["link_shortener"] == float(shortener)
    assert facts.features["risky_domain"] == float(risky)
    assert bool(facts.shorteners) is shortener and bool(facts.risky_domains) is risky


def test_the_host_lists_are_written_as_bare_hosts():
    """Every entry of the data file is matched as a lower-case host without "www." or a
    path; one written otherwise would silently never match."""
    hosts = read_vocabulary(SPAM_HOSTS_FILE)
    assert set(hosts) == {
        "shorteners",
        "risky_tlds",
        "shared_hosts",
        "subdomain_is_user",
        "reference_hosts",
    }
    for name, entries in hosts.items():
        assert entries and len(entries) == len(set(entries)), name
        for entry in entries:
            assert entry == entry.strip().lower(), (name, entry)
            assert not entry.startswith(("www.", "http")) and "/" not in entry, (name, entry)
    assert all("." not in tld for tld in RISKY_TLDS)
    assert set(hosts["subdomain_is_user"]) <= set(hosts["shared_hosts"])
