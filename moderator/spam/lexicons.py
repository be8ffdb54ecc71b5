"""The words and phrases the spam signals look for, as regular-expression families.

Each is compiled once at import. Plain lists of hosts and domain endings are data, in
`moderator/text/vocabulary/spam_hosts.toml` (read by `moderator.spam.links`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from moderator.text.required import required_strings
from moderator.text.tokens import GROUPED_COUNT


class CaseBlind:
    """A case-blind pattern with a lower-case twin, for text that is lower-cased already.

    The standard library's re runs these word-list patterns two to three times faster
    on lower-cased text than with re.I, with the same matches. The twin serves when
    lowering kept every character in place (it does unless a letter such as U+0130
    lowers to two); otherwise the case-blind pattern reads the text itself. Every
    literal in the pattern must be lower case.

    Before the twin scans, a few substring tests (the strings every match holds, worked
    out once from the pattern by `moderator.text.required`) tell whether the text can
    hold a match at all: most comments hold no selling phrase, and finding that costs a
    fraction of a scan.
    """

    __slots__ = ("pattern", "lowered", "needed")

    def __init__(self, source: str, flags: int = 0):
        self.pattern = re.compile(source, flags | re.IGNORECASE)
        self.lowered = re.compile(source, flags & ~re.IGNORECASE)
        needed = required_strings(source, flags & ~re.IGNORECASE)
        self.needed = None if needed is None else tuple(sorted(needed))

    def _cannot_match(self, lower: str) -> bool:
        """Whether the lower-case text lacks every string that a match of the twin holds."""
        if self.needed is None:
            return False
        for literal in self.needed:  # a plain loop: a third cheaper than any() of a generator
            if literal in lower:
                return False
        return True

    def finditer(self, text: str, lower: str) -> Iterator[re.Match]:
        """Iterate over the matches; their spans hold in both `text` and `lower`."""
        if len(lower) == len(text):
            return iter(()) if self._cannot_match(lower) else self.lowered.finditer(lower)
        return self.pattern.finditer(text)

    def find(self, text: str, lower: str) -> tuple[str, ...]:
        """Return the matches in the text's own case."""
        return tuple(text[m.start() : m.end()] for m in self.finditer(text, lower))

    def has(self, text: str, lower: str) -> bool:
        """Return whether the pattern occurs in the text."""
        if len(lower) == len(text):
            return not self._cannot_match(lower) and self.lowered.search(lower) is not None
        return self.pattern.search(text) is not None


# --- web addresses, contacts and numbers -------------------------------------------------

#: A domain label starts where no label character precedes it and is at most 63
#: characters long (as in DNS): unbounded, "1-1-1-..." cost a second of backtracking.
_LABEL = r"(?<![a-z0-9-])[a-z0-9-]{2,63}"
#: Domain endings a spelt-out address is recognised by ("example dot com").
_OBFUSCATED_TLDS = r"(?:com|net|org|info|biz|xyz|online|site|shop|store|co|io|in|ru)\b"
OBFUSCATED_URL = CaseBlind(
    rf"{_LABEL}\s*(?:\(|\[|\{{)?\s*(?:dot|\.)\s*(?:\)|\]|\}})?\s*{_OBFUSCATED_TLDS}"
    rf"|{_LABEL}\s*(?:\(|\[|\{{)\s*(?:dot|\.)\s*(?:\)|\]|\}})\s*[a-z]{{2,6}}\b"
    rf"|{_LABEL}\s+dot\s+[a-z]{{2,6}}\b"
    rf"|\bw\s+w\s+w\b|\bh\s*t\s*t\s*p\s*s?\s*:\s*/\s*/|\bwww\s+{_LABEL}\s*\.",
)
#: What every OBFUSCATED_URL match contains: a "dot" or "." before a domain ending, a
#: bracketed dot, a spoken " dot ", spaced "w w w" or "h t t p", or "www ". Most
#: comments have none of these, and finding that is several times cheaper than trying a
#: domain label at every word.
OBFUSCATION_HINT = CaseBlind(
    rf"(?:dot|\.)\s*[)\]}}]?\s*{_OBFUSCATED_TLDS}"
    r"|[(\[{]\s*(?:dot|\.)\s*[)\]}]|\sdot\s+[a-z]|w\s+w\s+w|h\s*t\s*t\s*p\s*s?\s*:|www\s",
)
#: A phone number as people write it: spaced, dashed, dotted or bracketed (the caller
#: asks for nine digits at least).
PHONE = re.compile(r"(?<![\w.])\+?\(?\d[\d\s().-]{7,}\d(?![\w.])")
#: A number written as a count: one run of digits or groups of three ("2.126.521.750").
#: A phone has a "+", brackets or groups of other sizes ("+1 555 123 4567").
PLAIN_COUNT = re.compile(r"\d+|\d{1,3}(?:[ .,\u00a0]\d{3})+")
#: What such a number counts ("1000000000 views", "3 000 000 people"): then it is no phone;
#: "612.345.678" alone still is.
COUNTED = re.compile(
    r"\s*(?:views?|likes?|subs|subscribers?|people|times|followers?|visits|plays|streams|downloads"
    r"|dollars|euros|pounds|years?|km|miles|steps|words)\b",
    re.IGNORECASE,
)
MESSENGER = CaseBlind(r"\b(?:whats\s*app|telegram|viber|wechat|signal\s+app|wickr|kik|skype)\b")
#: Every MESSENGER match contains one of these (lower case).
MESSENGER_NAMES = ("whats", "telegram", "viber", "wechat", "signal", "wickr", "kik", "skype")
#: Amounts of money. The number starts where no digit precedes it and is at most 24
#: characters long: unbounded, a 5,000-digit run cost a second of backtracking.
MONEY = re.compile(
    r"[$€£₹¥]\s?\d[\d,.]{0,23}"
    r"|(?<![\d,.])\d[\d,.]{0,23}\s?(?:[$€£₹¥]|usd|eur|gbp|dollars?|bucks|btc|usdt|k/month)\b",
    re.I,
)
#: A link written as HTML or BBCode markup.
HTML_LINK = re.compile(r"<a\s[^>]*href|\[url[=\]]|\[link[=\]]", re.I)
#: Numbers every reader writes, left out of the digit share: years and decades ("2011",
#: "1990s"), dates, clock and video times ("3:45"), grouped counts ("1,250,000"),
#: ordinals ("21st"). Phone numbers, short codes and prices stay in.
EVERYDAY_NUMBER = re.compile(
    r"\b(?:(?:19|20)\d\d(?:'?s)?|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{1,2}:\d\d(?::\d\d)?"
    rf"|{GROUPED_COUNT}|\d+(?:st|nd|rd|th))\b",
    re.IGNORECASE,
)


# --- author names and website names ------------------------------------------------------

#: Words of products and services that SEO author names are made of ("cheap essay
#: writing service", "hotel deals").
COMMERCIAL = re.compile(
    r"\b(?:best|cheap|buy|online|shop|store|sale|discount|deals?|price|review?s?|top|"
    r"service|services|agency|company|solutions?|loans?|casino|bet|betting|seo|essay|"
    r"writing|pills?|pharmacy|viagra|cbd|vape|crypto|bitcoin|forex|trading|hack|"
    r"repair|cleaning|movers|plumbing|lawyer|attorney|insurance|mortgage|marketing|"
    r"design|hosting|download|free|official|supplements?|keto|diet|weight\s+loss|"
    r"escorts?|dating|near\s+me|in\s+[A-Z][a-z]+|brace|cream|oil|gummies|recovery)\b",
    re.I,
)
#: Trades that SEO names are made of ("Pest Control Sydney", "Tree Removal"). A person
#: signs with one too ("Jane Smith, dentist", "Tom the tutor"), so they count only in a
#: name without a comma, a title or a joining word.
TRADE = re.compile(
    r"\b(?:clinic|surgeon|dentist|dental|accountants?|photographers?|rentals?|removal|"
    r"boarding|treatments?|therapy|physiotherapy|fertili[sz]ers?|pest|roofing|plumbers?|"
    r"electricians?|contractors?|landscaping|locksmiths?|towing|security|guards|"
    r"consultants?|consulting|realtors?|real\s+estate|catering|kennels?|grooming|salon|"
    r"massage|cosmetics?|suppliers?|manufacturers?|wholesalers?|exporters?|packaging|"
    r"logistics|flooring|hvac|solar\s+panels?|immigration|tutoring|coaching|academy)\b",
    re.I,
)
PERSON_SIGNS = re.compile(
    r",|\b(?:dr|mr|mrs|ms|miss|prof)\b\.?|\b(?:the|from|and|of|at|my|our)\b"
    r"|\b(?:retired|former|ex|student|trainee|apprentice|anonymous|grumpy|happy|old|young|"
    r"researcher|guy|gal|girl|lady|man|fan|mum|mom|dad|wife|husband|enthusiast|nerd|geek|"
    r"hobbyist|amateur|newbie|reader|lover)\b",
    re.I,
)
#: A year, as in a keyword name ("Best Back Brace 2024").
YEAR = re.compile(r"\b(?:19|20)\d\d\b")
#: Words that sell when they name a website ("cheap-jerseys-wholesale.us",
#: "tramadolrxshop.com"), found inside run-together names: each is a word no person's,
#: family's or hobby blog's name is made of ("bookreviews", "cryptography",
#: "myrecoveryjourney", "tombishop", "jess1988" are not selling).
SITE_SELLING = re.compile(
    r"cheap|casino|betting|payday|viagra|(?<![aeiou])cialis|tramadol|steroids|replica(?!t)|"
    r"wholesale|(?<!new)jerseys|discount|escort|hookup|forex(?!amp|p)|backlink|guestpost|"
    r"seoservice|plumbing|roofing|gummies|predictor|(?<!s)pills|(?<!s)loans"
)
#: Words that sell only together, as whole words of a hyphenated name ("signals-pro-vip",
#: "best-office-chairs-2024"): one alone is a baker's "gluten-free" or a "card-making" blog.
SITE_SELLING_WORD = frozenset(
    "best buy top free shop store deal deals sale sales review reviews online vip pro bonus "
    "seo cbd vape keto vpn cure loan bet promo win claim gift card cash money rx meds uk usa "
    "official essay poker pharmacy coupon coupons giveaway weightloss".split()
)
#: A year as a whole word of a website's name ("best-office-chairs-2024").
YEAR_WORD = re.compile(r"(?:19|20)\d\d")

# --- selling phrases ---------------------------------------------------------------------

#: "subscribe" as commenters spell it: "suscribe", "subcribe", "subscrib".
_SUBSCRIBE = r"su(?:bs|b|s)?c?ri?be?"
#: Phrases that sell rather than discuss, in families that carry across sites: a
#: commenter promoting their own channel or site, calls to action, requests to be
#: contacted off the page, and promises of money or prizes. Word n-grams learn such
#: phrases per corpus; these families let one corpus teach the model about another.
SELF_PROMO = CaseBlind(
    r"\b(?:my|our)\s+(?:new\s+|own\s+|youtube\s+|official\s+)?"
    r"(?:channel|vids?|videos?|songs?|music|covers?|raps?|mixtapes?|playlist|page|blog|"
    r"web\s*site|site|shop|store|business|company|agency|services?|app|products?|profile|"
    r"soundcloud|insta(?:gram)?|tiktok|twitch|podcast)\b"
    r"|\b(?:check\s+out\s+|visit\s+|subscribe\s+to\s+|tap\s+|click\s+)(?:my|our|us)\b"
    # "check my channel", not a reader's "please check my code / my answer / my math"
    r"|\bcheck\s+(?:my|our|us)\b(?!\s+(?:code|codes|question|answer|work|script|solution|logic"
    r"|query|program|attempt|understanding|math|maths|spelling|grammar|english|reply|edit"
    r"|example|error|output|config|setup|function|implementation|homework|assignment|steps"
    r"|calculations?|results?|numbers|reasoning|proof|approach|method|version|file|log|logs)\b)"
    # asking for subscribers to oneself, spelt as it comes: "sub to me", "suscribe my
    # chanel", "subscribe me plz"; not "sub my butter for oil", "subscribe my daughter
    # to ...", "(un-)subscribe me to the newsletter" or "subscribe me, the form is broken"
    rf"|\b(?:sub|{_SUBSCRIBE})\s+to\s+me\b"
    rf"|(?<![\w-]){_SUBSCRIBE}\s+(?:my\s+(?:chann?el|chanel|page|profile|vids?|videos?)\b"
    r"|me\b(?!\s+to\b|\s*[,.;:]))"
    r"|\b(?:link|see|in|read|check)\s+(?:in\s+)?my\s+bio\b|\blink\s+in\s+bio\b"
    # a subscriber goal: "help me reach 100 subs", "road to 1k", "I need 50 more followers"
    r"|\bhelp\s+(?:me|us)\s+(?:to\s+)?(?:reach|hit|get\s+to)\s+\d[\d,.]*k?|\broad\s+to\s+\d+\s*k\b"
    r"|\b(?:i|we)\s+(?:only\s+)?(?:need|want)\s+\d[\d,.]*\s*k?\s+(?:more\s+)?(?:subs|subscribers|followers)\b"
    r"|\b(?:regarde|voir|vem\s+no|ve\s+a|schau\s+(?:auf|in))\s+(?:mon|meu|mi|mein(?:em|en)?)\s+"
    r"(?:profil|perfil|kanal|canal)\b|\b(?:mein(?:em|en)?|mijn|mój|moj)\s+(?:kanal|kanaal)\b"
    r"|\b(?:mon|meu|mi|il\s+mio)\s+(?:canal|canale|cha[iî]ne)\s+(?:youtube|de\s+youtube|no\s+youtube)\b",
)
CALL_TO_ACTION = CaseBlind(
    r"\b(?:(?<!'ll\s)(?<!will\s)(?<!to\s)(?<!gonna\s)check\s+(?:it\s+)?out|subscribe|subs?crib(?!tions?\b)\w*|"
    r"sub\s+to|click\s+(?:here|below|the\s+link|this\s+link|on\s+(?:my|the\s+link|this\s+link))|"
    # not "please help", "please check my code", "please share the link": readers ask that
    r"(?:please|pls|plz)\s+(?:like|sub\w*|visit|watch|follow|support|view)|"
    r"follow\s+(?:me|us)|(?:i(?:'ll|\s+will)?|always|and\s+i)\s+(?:follow|sub\w*)\s+(?:you\s+)?back|"
    r"follow\s+back\s+(?:gang|pls|plz|please)|(?:follow|sub)\s*(?:4|for)\s*(?:follow|sub)|f4f|"
    r"(?:copy|paste|repost)\s+this\s+(?:to|on|in)|send\s+this\s+to\s+\d+|folge\s+mir|seguimi|"
    r"s[ií]gueme|abonne-toi|ab[oó]nate|volg\s+mij|obserwuj\s+(?:mnie|mój|moj)|sign\s*up|join\s+(?:us|now|my|our|today)|order\s+now|buy\s+now|"
    r"call\s+now|apply\s+now|shop\s+now|register\s+now|download\s+(?:now|the\s+app|it\s+now)|"
    r"(?:go|head)\s+to\s+(?:my|our|this\s+(?:link|site)|the\s+link|www|https?)|"
    r"visit\s+(?:us|our|this\s+(?:link|site)|my|\w+\s*\.\s*\w+)|thumbs\s+up|give\s+(?:me|it)\s+a\s+like|"
    r"limited\s+(?:time|offer|spots?)|act\s+now|hurry\s+(?:up\s+)?(?:and|before|now)|"
    r"don'?t\s+miss\s+(?:out|this|the\s+chance))\b",
)
CONTACT_REQUEST = CaseBlind(
    r"\b(?:contact|e-?mail|dm|inbox|pm|whats\s*app)\s+(?:me|us|him|her|dr\.?|doctor)\b"
    r"|\b(?:contact|whats\s*app)\s+(?:now|today|on|at|via|through|directly)\b"
    r"|\b(?:write|chat\s+with)\s+me\b(?!\s+(?:a|an|the|some|up|down|off|back)\b)|\bhit\s+me\s+up\b"
    r"|\badd\s+me\s+on\b|\btalk\s+(?:in\s+)?private(?:ly)?\b"
    r"|\b(?:scrivimi|escr[ií]beme|schreib\s+mir|[ée]cris-moi|stuur\s+me|napisz\s+do\s+mnie)\b"
    r"|\b(?:mail|message|text|call|reach|ring|write\s+to)\s+"
    r"(?:me|us|dr\.?|doctor|now|today|via|directly)\b"
    r"(?!\s*,|\s+(?:old|crazy|a|an|paranoid|silly|lazy|cynical|biased|naive|what)\b)"
    r"|\b(?:reply|txt|text)\s+(?:stop|yes|no|back|\w+\s+to\s+\d)",
)
EARN_WIN = CaseBlind(
    r"\b(?:earn(?:ed|ing|s)?|income|profits?|cash|prizes?|winners?|won|win|claim|bonus|rewards?|"
    r"jackpot|guaranteed|free\s+(?:gift|money|trial|entry|iphone|msg|cash|spins?|bitcoin|"
    r"followers|subscribers|views)|per\s+(?:day|week|hour|month)|a\s+(?:day|week|month)\s+from\s+home|"
    r"from\s+home|invest(?:ed|ment|ing)?|recover(?:ed|y)?\s+(?:my|your|lost|stolen)|loans?)\b",
)
#: A testimonial for a third party who made, recovered or fixed things for the writer:
#: the investment, "fund recovery" and spell-caster spam of comment sections ("my life
#: has changed since I came in contact with ...", "I was scammed and ... recovered my
#: funds"). A reader's own story names no rescuer and promises no money back.
TESTIMONIAL = CaseBlind(
    r"\bmy\s+life\s+(?:has\s+)?changed\s+(?:for\s+the\s+better|since\s+i\s+"
    r"(?:met|came|contacted|invested|started\s+(?:trading|investing)))"
    # "came in contact with @her_handle / Dr. X", not "with someone who had covid"
    r"|\bc[ao]me\s+(?:in\s+)?contact\s+with\s+(?:[@#]|(?:dr|mr|mrs|ms|doctor|agent|expert)\b)"
    r"|\b(?:i|we)\s+(?:was|were|got|have\s+been)\s+scammed\b"
    r"|\brecover(?:ed|ing)?\s+(?:all\s+)?(?:my|our|your|their|the)\s+(?:lost\s+|stolen\s+)?"
    r"(?:funds?|money|bitcoins?|btc|crypto|wallet|investments?|savings)\b"
    r"|\bspell\s*casters?\b|\b(?:cast|put)\s+(?:me\s+)?(?:under\s+)?a\s+(?:love\s+)?spell\b"
    r"|\bsmil(?:e|ing)\s+to\s+the\s+bank\b|\bthanks\s+to\s+(?:dr|mr|mrs|ms|doctor)\.?\s+\w+"
    r"|\b(?:can'?t|cannot)\s+thank\s+(?:him|her|them)\s+enough\b"
    r"|\b(?:he|she|they)\s+helped\s+me\s+(?:to\s+)?(?:recover|get\s+back|earn|make\s+\$?\d)",
)
#: A service advertised by its phone line, trade and place: the "customer care number",
#: "packers and movers", "cleaning company Dubai" keyword runs of blog and forum spam,
#: which often carry no link at all.
SERVICE_AD = CaseBlind(
    r"\b(?:customer\s+(?:care|service|support)|tech(?:nical)?\s+support|help\s*line|helpdesk"
    r"|toll[\s-]*free|booking|reservations?)\s+(?:phone\s+|telephone\s+)?"
    r"(?:numbers?|no\.?|#)(?!\w)|\bsupport\s+(?:phone|telephone)\s+numbers?\b"
    r"|\b(?:packers?\s+(?:and|&)\s+movers?|movers?\s+(?:and|&)\s+packers?)\b"
    r"|\b(?:cleaning|removals?|moving|plumbing|pest\s+control|repair|maintenance|catering"
    r"|printing|marketing|seo|web\s+design|tour|travel|visa|escort|taxi|cab|car\s+rental)"
    r"\s+(?:company|companies|services?|agency|agencies)\s+(?:in|at|near)\s+\w+"
    r"|\b(?:vashikaran|love\s+marriage|black\s+magic)\s+specialist\b|\bcall\s+girls?\b",
)
#: The selling families by the name of their feature and reason.
PROMO_FAMILIES = (
    ("self_promo", SELF_PROMO),
    ("call_to_action", CALL_TO_ACTION),
    ("contact_request", CONTACT_REQUEST),
    ("earn_win", EARN_WIN),
    ("testimonial", TESTIMONIAL),
    ("service_ad", SERVICE_AD),
)
#: Praise that fits any post ("great article", "thanks for sharing"): with a link or a
#: website it is how link spam introduces itself.
GENERIC_PRAISE = CaseBlind(
    r"\b(?:(?:great|nice|good|awesome|wonderful|informative|excellent|amazing|useful|helpful)\s+"
    r"(?:post|article|blog|content|info(?:rmation)?|write-?up|site|website|work|share|read)|"
    r"thanks?\s+(?:you\s+)?for\s+(?:sharing|posting|the\s+(?:info|information|post|article))|"
    r"keep\s+(?:it\s+up|up\s+the\s+good\s+work|posting|writing|sharing)|bookmark(?:ed)?|"
    r"very\s+(?:informative|helpful|useful|nice)|i\s+(?:really\s+)?(?:enjoyed|love)\s+"
    r"(?:reading|this\s+(?:post|article|blog|site)))\b",
)

# --- language ----------------------------------------------------------------------------

#: The commonest English words: their share tells English from other languages, and a
#: post title's words without them are its topic.
ENGLISH = frozenset(
    "the a an and or but of to in on at for with is are was were be been it this that i "
    "you he she we they my your our his her their me him us them not no so if as do did "
    "have has had can could would should will just what when how why there here all".split()
)

# --- who a comment speaks to, and whom it sends readers to -------------------------------

#: An @handle as comment sections write it ("@anna_fx", "@wealth.with.dorothy"); not the
#: middle of an e-mail address, which the caller has cut out already.
HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,40}[A-Za-z0-9_])?")
#: A hashtag that names an account rather than a topic: spam testimonials send readers to
#: "#coach_isabella1" or "#__charlottejamesoń_", where fans tag "#btc" or "#bitcoin" (and
#: "sister #1" is a number).
ACCOUNT_TAG = re.compile(r"(?<![\w#])#(?=\w*[^\W\d_])(?=\w*(?:_|\d))\w{4,41}")
#: What sends readers on to a handle: thanks given to it, business done with it, an
#: invitation to contact it ("all thanks to @x", "invested with @x", "write to @x",
#: "get in touch with #x"). Up to two words may sit between ("thanks again #x").
REFERRAL_CUE = CaseBlind(
    r"\b(?:thanks?|thank\s+you|grateful|gratitude|appreciate|kudos|credit|recommend(?:ed)?|"
    r"contact|message|dm|inbox|write\s+to|reach(?:\s+out\s+to)?|get\s+in\s+touch\s+with|"
    r"text|whats\s*app|telegram|follow|connect\s+with|invest(?:ed|ing)?\s+with|"
    r"trad(?:e|ed|ing)\s+with|work(?:ed|ing)?\s+with|via|through)\b"
    r"(?:\s+[\w'’]+){0,2}\s*[:\-–—]?\s*$",
)
#: Thanks, blessings and vouching: the voice of a paid testimonial.
GRATITUDE = CaseBlind(
    r"\b(?:thanks?|thank\s+you|thankful|grateful|gratitude|appreciat\w*|bless(?:ed|ing|ings)?|"
    r"god\s+bless|kudos|honest(?:y|ly)?|trustworth\w*|transparen\w*|legit(?:imate)?|reliable|"
    r"diligen\w*|integrity|genuine|recommend(?:ed)?|can'?t\s+thank|forever\s+(?:grateful|thankful)|"
    r"(?:with|through)\s+the\s+help\s+of)\b",
)
#: Talk of money made: returns, profits, withdrawals and payouts, by amount or by name.
MONEY_MADE = CaseBlind(
    r"\b(?:invest(?:ed|ing|ment|ments)?|profits?|returns?|withdr[ae]w(?:al|als|n)?|cash(?:ed|ing)?\s+out|"
    r"payouts?|paid|earn(?:ed|ing|ings)?|income|deposit(?:ed)?|trad(?:e|ed|ing)|forex|crypto|bitcoin|"
    r"btc|usdt|mining|portfolio|roi|grands?|\d+\s?k)\b",
)
#: A reader asking for help: addressed to the author or the other readers, it is no call
#: to action ("please help", "can anyone explain", "I need advice", "what should I do").
HELP_REQUEST = CaseBlind(
    r"\b(?:please|pls|plz|kindly)\s+(?:help|advi[sc]e|explain|tell\s+me|let\s+me\s+know|answer|"
    r"suggest|guide)\b"
    r"|\b(?:can|could|would|will)\s+(?:any|some)\s*(?:one|body)\s+(?:please\s+)?"
    r"(?:help|tell|explain|advi[sc]e|suggest|recommend|point)\b"
    r"|\b(?:i|we)\s+(?:really\s+)?(?:need|want|would\s+like|am\s+looking\s+for|'m\s+looking\s+for)"
    r"\s+(?:some\s+|your\s+|an?\s+)?(?:help|advice|information|info|answers?|opinion|guidance)\b"
    r"|\bany\s+(?:advice|help|suggestions?|ideas|thoughts|information|info|tips)\b"
    r"|\blooking\s+for\s+(?:some\s+|any\s+)?(?:help|advice|information|info|answers?|research|guidance)\b"
    r"|\b(?:can|could|would)\s+you\s+(?:please\s+)?(?:help|advi[sc]e|explain|tell\s+me)\b"
    r"|\bhope\s+(?:you|someone|somebody|anyone)\s+can\s+help\b"
    r"|\b(?:please|pls|plz|kindly)\s+(?:send|give|provide)\s+(?:me\s+)?(?:some\s+|any\s+|more\s+)?"
    r"(?:\w+\s+){0,2}(?:information|info|advice)\b"
    r"|\bwhat\s+(?:should|can|do|could)\s+(?:i|we)\s+do\b"
    r"|\bis\s+there\s+(?:any|a)\s+(?:way|cure|treatment|medicine|reason|fix|solution)\b",
)
