"""Red flags: the reviewed urgent signs in a reader's question, negation-aware.

Each flag in ``vocabulary/red_flags.toml`` names a warning sign that makes a health
question urgent (the author should answer first and point the reader to a doctor),
with its rationale. `find_red_flags` returns the flags a comment affirms: negated,
hypothetical, someone else's or long-past mentions do not count. Flask-free.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple

from moderator.core.reasons import Reason
from moderator.medical.phrase_scan import PhraseScan, required_of
from moderator.medical.question import cleaned_text
from moderator.text.required import StringPresence
from moderator.text.tokens import SENTENCE_SPLIT
from moderator.text.vocabulary import RED_FLAGS_FILE, read_vocabulary, term_source

#: The `source` of the reasons this module gives: they are part of the medical triage.
REASON_SOURCE = "medical_model"
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class RedFlagMatch:
    """An affirmed red-flag sign in a comment, with the words that matched."""

    code: str
    name: str
    rationale: str
    evidence: tuple[str, ...]
    #: False when the flag needs a context its comment lacks (see `RedFlag.context`): the
    #: triage then does not count it.
    in_context: bool = True


@dataclass(frozen=True)
class RedFlag:
    """One compiled red-flag rule from the reviewed vocabulary."""

    code: str
    name: str
    rationale: str
    any: re.Pattern | None
    near: tuple[re.Pattern, ...]
    within: int
    whole_comment: bool
    also: tuple[re.Pattern, ...]
    unless: re.Pattern | None
    unless_before: re.Pattern | None
    others_before: re.Pattern | None
    past: re.Pattern | None = None
    #: Phrases one of which the comment must hold for the flag to count on its own.
    context: re.Pattern | None = None


# Negators that rule out the sign right after them, by language: English; French "pas (de),
# sans, jamais, aucun, ni"; German "kein, nicht, nie, ohne, weder"; Spanish "no, sin, nunca,
# ningún, ni"; Italian "non, senza, nessun, né"; Portuguese "não, sem, nunca, nenhum, nem";
# Dutch "geen, niet, nooit, zonder"; Polish "nie, bez, nigdy, żaden, ani"; Nordic "ingen,
# inte, ikke, utan, uden, uten, aldrig, aldri, inget, ej, ikkje"; Russian and Ukrainian "не, нет,
# без, никогда, ни, немає, ніколи"; Greek "δεν, όχι, χωρίς, ποτέ, καθόλου, κανένα"; Czech "nemám,
# bez, nikdy, žádný" (not the bare "ne", French "je ne sens plus" is the sign); Finnish "ei,
# eikä, ilman" (not "en", a word in French, Spanish and Nordic); Romanian "nu am, n-am, fără,
# niciodată" (not the bare "nu", "now" in Swedish and Danish); Hungarian "nem, nincs, soha";
# Indonesian and Malay "tidak, gak, tanpa, belum, bukan", "tak" only before a verb (Polish
# "tak" is "yes"). Turkish negates after the noun: see `_POST_NEGATION`.
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|none|nor|neither|denies|denied|zero|free of|absence of"
    r"|rule[ds]? out|negative for|haven't|hasn't|hadn't|don't|doesn't|didn't|isn't|aren't"
    r"|wasn't|weren't|nothing like"
    r"|pas|sans|jamais|aucune?|ni|n'(?:ai|a|avons|avez|ont|avais|avait) plus"
    r"|kein(?:e|en|em|er|es)?|nicht|nie|niemals|ohne|weder"
    r"|sin|nunca|jam[áa]s|ning[úu]n[oa]?|tampoco"
    r"|non|senza|nessun[oa]?|né"
    r"|n[ãa]o|sem|nenhum[a]?|nem"
    r"|geen|niet|nooit|zonder"
    r"|bez|nigdy|[żz]adn\w*|ani"
    r"|ingen|inte|ikke|utan|uden|uten|aldrig|aldri|inget|inga|intet|ingenting|ej|ikkje"
    r"|не|нет|нету|без|никогда|ни|никаких|никакой|никакого|немає|нема|ніколи|ні|жодн\w*"
    r"|δεν|δε|[όο]χι|χωρ[ίι]ς|ποτ[έε]|καθ[όο]λου|καν[έε]ν[αη]\w*|καμ[ίι]α|καμι[άα]|ο[ύυ]τε|μην?"
    r"|nem[áa]m|nem[áa]|nem[áa]me|nem[ěe]l\w*|nikdy|[žz][áa]dn\w*"
    r"|ei(?! (?:au|sunt|spun|zic|miau|mau|spus|cred))|eik[äa]|ilman"
    r"|nu (?:am|are|au|avem|aveam|avea|mai|e|este|era|a fost|sunt)"
    r"|nam(?:$| (?:avut|mai|febr\w*|dureri|nicio|niciun|sim[țţt]it|probleme|amor\w*|temperatur\w*))"
    r"|nare|nau|naveam"
    r"|f[ăa]r[ăa]|niciodat[ăa]|nici|niciun\w*|nicio"
    r"|nem|nincs\w*|sosem|soha|semmilyen"
    r"|tidak|tdk|gak|nggak|enggak|ngga|bukan|tanpa|belum|tiada"
    r"|tak (?:ada|pernah|boleh|dapat|mengalami|rasa))\b"
)
# Negator-led phrases that still affirm: inability ("can't", "no puedo", "kann nicht"),
# "no longer" ("nicht mehr", "niet meer"), "not only" and "not sure" in each language, and
# "does not pass / let me sleep" ("не проходит", "går inte över", "nu trece"), which affirm pain.
_PSEUDO_NEGATION = re.compile(
    r"\b(?:no longer|not only|not just|not sure|no idea|no matter|not that|no doubt|never mind"
    r"|don't know|didn't know|doesn't matter|not even sure|no way to|can't|cannot|couldn't"
    r"|(?:isn't|is not|wasn't|was not) there"
    r"|(?:ne |n')?(?:peux|peut|pouvais|arrive|arrivais|sais|sait) (?:\w+ )?pas"
    r"|pas (?:seulement|que|s[ûu]re?)"
    r"|(?:kann|kannst|konnte|k[öo]nnte) (?:\w+ ){0,3}(?:nicht|kaum)|nicht (?:nur|mehr|sicher)"
    r"|wei(?:ß|ss) (?:\w+ )?nicht|keine ahnung"
    r"|no (?:puedo|pude|pod[íi]a|puede|consigo|logro|s[ée]|s[óo]lo|estoy segur[oa])"
    r"|non (?:riesco|riuscivo|posso|potevo|so|solo|sono sicur[oa])"
    r"|n[ãa]o (?:consigo|conseguia|posso|sei|s[óo]|tenho certeza)"
    r"|kan (?:\w+ )?niet|niet (?:alleen|meer|zeker)|weet (?:\w+ )?niet"
    r"|nie (?:mog[ęe]|mo[żz]e|mog[łl]\w*|umiem|wiem|tylko|jestem pewn\w*)"
    r"|не (?:мог\w*|мож\w*|знаю|знает|уверен\w*|впевнен\w*|только|просто|тільки|лише|проход\w*"
    r"|прекраща\w*|утиха\w*|отпуска\w*|помога\w*|мина\w*|допомага\w*|да[её]т|дают|дає|дають)"
    r"|δεν (?:μπορ\w*|ξ[έε]ρω|ε[ίι]μαι σ[ίι]γουρ\w*|περν[άα]\w*|φε[ύυ]γει|υποχωρ\w*|βοηθ\w*"
    r"|με αφ[ήη]νει)|[όο]χι μ[όο]νο"
    r"|(?:kan|vet|ved|klarer|f[åa]r|g[åa]r|hj[äa]lper|hjelper|hj[æa]lper|sl[äa]pper|slipper)"
    r" (?:\w+ )?(?:inte|ikke|ikkje)"
    r"|(?:inte|ikke) (?:bara|bare|kun|s[äa]ker|sikker|l[äa]ngre|lenger|l[æa]ngere)"
    r"|ei (?:mene|helpota|hellit[äa]|ainoastaan|vain|pelk[äa]st[äa][äa]n|auta|lopu)"
    r"|nu (?:mai )?(?:pot|poate|[șş]tiu|sunt sigur\w*|doar|numai|trece|cedeaz\w*|m[ăa] las\w*"
    r"|ajut\w*|se amelioreaz\w*)"
    r"|nem (?:tud\w*|b[íi]r\w*|csak|vagyok biztos|m[úu]lik|sz[űu]nik|enyh[üu]l|seg[íi]t\w*)"
    r"|(?:tidak|tak|gak|nggak|ga|enggak) (?:bisa|dapat|boleh|tahu|tau|yakin|hanya|cuma|kunjung"
    r"|hilang|sembuh|membaik|mau hilang))\b"
)
_HYPOTHETICAL = re.compile(
    r"\b(?:what if|in case|if (?:i|you|he|she|they|someone|somebody|one|it|a person|my|your)"
    r" (?:\w+ )?(?:ever |were to |was to |should |did |does |do |had )?"
    r"(?:get|gets|got|develop|develops|developed|start|starts|started|have|has|had|notice"
    r"|notices|noticed|experience|experienced|feel|feels|felt)"
    r"|what (?:should|do|would|could) (?:i|you|we|one) do if|if (?:\w+ ){0,2}ever|if your?$"
    r"|if (?:i|he|she|they|someone|somebody|anyone|one|a person)$"
    r"|hypothetically|suppose|supposing|let's say|imagine"
    # "warning signs like ..." is general; "I've got symptoms like ..." is the reader's own
    r"|(?<!got )(?<!have )(?<!having )(?<!get )(?:signs?|symptoms?|things) like"
    r"|(?:a|your|the) (?:post|article|video|blog|piece) (?:on|about)"
    # "does a fever ...", "can sciatica cause ..." right before the sign ask in general
    r"|(?:does|do) (?:a|an|any)$"
    r"|(?:can|could|does|do|would|will|might|may) (?:\w+ ){1,3}(?:cause|lead to|give you|bring on)$"
    r"|signs? of|symptoms? of|watch (?:out )?for|look out for|when to worry|warning signs?"
    r"|red flags?|risk of|to prevent|such as|read about|heard (?:about|that)|i know|i've read"
    r"|i read|i've heard|aware that"
    # the same in French, German, Spanish, Italian, Portuguese, Dutch and Polish
    r"|et si|si jamais|au cas o[ùu]|signes? d[e']"
    r"|was w[äa]re wenn|falls (?:ich|du|er|sie|man)|im falle?|anzeichen (?:f[üu]r|von)"
    r"|y si|por si|en caso de|si alguna vez|s[íi]ntomas? de"
    r"|e se (?:eu|io|mi|tiver|avessi|dovessi)|nel caso|se mai|in caso di|sintomi di"
    r"|caso eu|sinais de|wat als|stel dat|voor het geval|a co je[śs]li|w razie|gdyby\w*"
    # Russian, Ukrainian, Greek, Czech, Nordic, Finnish, Romanian, Hungarian, Malay, Turkish
    # (the window is read as bare words: "s-ar" reads "sar", "mi van, ha" reads "mi van ha")
    r"|(?:а )?что (?:будет )?если|если вдруг"
    r"|если (?:у меня )?(?:когда-нибудь|появится|появятся|будет)"
    r"|на случай|в случае|признак\w*|гипотетически|допустим|предположим"
    r"|(?:а )?що (?:буде )?якщо|якщо раптом|на випадок|у разі|ознак\w*|припустимо"
    r"|τι (?:γ[ίι]νεται|θα γ[ίι]νει|κ[άα]νω) αν|αν ποτ[έε]|σε περ[ίι]πτωση|σημ[άα]δια|υποθετικ[άα]"
    r"|co kdy[žz]|co kdyby|kdyby\w*|pro p[řr][íi]pad|v p[řr][íi]pad[ěe]|varovn\w*"
    r"|t[äa]nk om|vad h[äa]nder om|ifall|tecken p[åa]|symtom p[åa]|hvad (?:hvis|sker der hvis)"
    r"|hva (?:om|hvis|skjer hvis)|tegn p[åa]|symptomer p[åa]|i tilf[æa]lde|i tilfelle"
    r"|ent[äa] jos|mit[äa] jos|jos (?:joskus|koskaan|minulle tulee|saan)|silt[äa] varalta"
    r"|varoitusmerk\w*"
    r"|ce (?:sar )?(?:[îi]nt[âa]mpl[ăa] )?dac[ăa]|ce fac dac[ăa]|dac[ăa] (?:vreodat[ăa]|a[șş] avea)"
    r"|[îi]n caz c[ăa]|semne(?:le)? de|simptome(?:le)? de|ipotetic"
    r"|mi van ha|mi t[öo]rt[ée]nik ha|ha valaha|ha esetleg|abban az esetben|arra az esetre"
    r"|figyelmeztet[őo] jel\w*"
    r"|bagaimana (?:jika|kalau)|gimana kalau|seandainya|andaikan|sekiranya"
    r"|(?:jika|kalau) (?:suatu saat|nanti|terjadi)|tanda(?:tanda)? (?:bahaya|peringatan)"
    r"|e[ğg]er|diyelim ki|farz edelim)\b"
)
# A clause ends at punctuation, at "but/just/now/since" and their equivalents, after a bare
# negator ("I'm not, numb ...") and at a comma opening a new subject (", it's constant").
_SCOPE_END = re.compile(
    r"[.;:!?\n]|(?<=\bno),|(?<=\bnot),|(?<=n't),"
    r"|,(?=\s*(?:it|it's|i|i'm|i've|i'd|he|he's|she|she's|they|we|this|that|my|his|her|j'\w+"
    r"|je|ich|yo|io|eu|ik)\b)"
    r"|\b(?:but|however|although|though|except|yet|apart from|aside from|other than"
    r"|still|just|only|now|because|which|who|then|whereas|while|and now|until|since"
    r"|mais(?= (?:j'|je |il |elle |on |ma |mon |mes |c'|ça ))|juste|seulement|maintenant|aber"
    r"|sondern|jedoch|nur|jetzt|pero|sino|solo|s[óo]lo|ahora|per[òo]|adesso|por[ée]m|só|agora"
    r"|maar|alleen|ale|tylko|teraz"
    # Russian, Ukrainian, Greek, Czech, Nordic, Finnish, Romanian, Hungarian, Malay, Turkish (not
    # the Romanian "nu", a negator, nor the Hungarian "de", "of" in Spanish and French)
    r"|но|однако|только|сейчас|теперь|але|проте|тільки|лише|зараз|тепер|αλλ[άα]|[όο]μως|μ[όο]νο"
    r"|τ[ώω]ρα|jen|pouze|te[ďd]|nyn[íi]|men|bara|bare|kun|n[åa]|mutta|vain|nyt|paitsi|dar|doar"
    r"|numai|acum|[îi]ns[ăa]|csak|viszont|tapi|tetapi|namun|hanya|cuma|sekarang|ama|fakat|ancak"
    r"|sadece|[şs]imdi)\b"
)
# "is fine" right after a sign negates it, but not across a sentence end, and "ok to
# swim?" asks rather than reassures. Turkish negates after the noun ("ateşim yok", "olmadı")
# and asks "if" there too ("ateşim olursa"); "нет", "nincs", "ei ole", "tidak ada" can follow too.
_POST_NEGATION = re.compile(
    r"^[^\w.?!;]*(?:(?:(?:is|are|was|were|seems?|feels?|has been|have been|'s|'re)\W+"
    r"(?:(?:all|both|totally|completely|perfectly|still|now)\W+)?"
    r"(?:normal|good|negative|clear|gone|resolved|cleared|not affected|not a problem|not an issue))"
    r"|(?:(?:is|are|was|were|seems?|feels?|has been|have been|'s|'re|all|both|totally|completely"
    r"|perfectly|still)\W+){0,2}(?:fine|(?:ok|okay)(?!\W+to\b)|unaffected|no problem"
    r"|never an issue|went away|back to normal)|yok|de[ğg]il|olmad[ıi]|olmuyor|olursa|olsayd[ıi]"
    r"|varsa|нет|немає|нема|nincs|nincsen|n[ée]lk[üu]l|ei ole|tidak ada|gak ada|nggak ada)\b"
)
# The reader speaking of themself, in English and the other languages above.
_FIRST_PERSON = re.compile(
    r"\b(?:i|my|me|i've|i'm|i'd|myself|j'ai|je|moi|mon|ma|mes|ich|mein\w*|mir|mich|yo|tengo|mi|mis"
    r"|io|ho|mio|mia|eu|meu|minha|tenho|ik|mijn|m'n|mam|mnie|moja|m[óo]j|moje"
    r"|я|мне|меня|мой|моя|мою|моё|мое|мои|моей|мені|мене|мій|моє|мої|моїй|εγ[ώω]|μου"
    # (not "10 min", minutes; not the "en" of French and Spanish, only the Hungarian "én")
    r"|j[áa]|m[ěe]|mn[ěe]|m[ůu]j|jag|mig|(?<!\d)(?<!\d )min|mitt|mina|jeg|meg|mine|min[äa]|m[äa]"
    r"|minulla|mulla|minun|mun|minua|m[ăa]|mea|mele|mei|én|nekem|engem|saya|aku|gue|ben|benim"
    r"|bende|bana)\b"
)
_PRE_WINDOW_WORDS = 6


_ESCAPE_OR_TEXT = re.compile(r"\\.|[^\\]+")


def _flag_pattern(phrases: Sequence[str]) -> re.Pattern:
    """Compile red-flag phrases like `term_pattern`, for text `find_red_flags` has already
    lower-cased: phrases are folded here (escapes such as \\W kept), and the pattern does
    without IGNORECASE, which halves the matching time of these long alternations."""
    return re.compile(term_source(_folded(phrases)))


def _folded(phrases: Sequence[str]) -> list[str]:
    """Return phrases in lower case, their escapes (\\W, \\d) kept as written."""
    return [
        _ESCAPE_OR_TEXT.sub(lambda m: m[0] if m[0].startswith("\\") else m[0].lower(), p)
        for p in phrases
    ]


def _expand_terms(phrases: Sequence[str], shared: dict) -> list[str]:
    """Replace ``@name`` references with the shared term list of that name."""
    out = []
    for phrase in phrases:
        if phrase.startswith("@"):
            out.extend(shared[phrase[1:]])
        else:
            out.append(phrase)
    return out


def compile_red_flags(vocabulary: dict) -> tuple[RedFlag, ...]:
    """Compile the red-flag vocabulary into matchers, in file order."""
    shared = vocabulary.get("terms", {})
    flags = []
    for code, spec in vocabulary["flags"].items():
        any_terms = _expand_terms(spec.get("any", []), shared)
        unless = _expand_terms(spec.get("unless_before", []), shared)
        others = _expand_terms(spec.get("others_before", []), shared)
        unless_anywhere = _expand_terms(spec.get("unless", []), shared)
        past = _expand_terms(spec.get("past", []), shared)
        context = _expand_terms(spec.get("context", []), shared)
        flags.append(
            RedFlag(
                code=code,
                name=spec["name"],
                rationale=spec["rationale"],
                any=_flag_pattern(any_terms) if any_terms else None,
                near=tuple(_flag_pattern(_expand_terms(g, shared)) for g in spec.get("near", [])),
                within=int(spec.get("within", 0)),
                whole_comment=spec.get("scope", "sentence") == "comment",
                also=tuple(_flag_pattern(_expand_terms([t], shared)) for t in spec.get("also", [])),
                unless=_flag_pattern(unless_anywhere) if unless_anywhere else None,
                unless_before=_flag_pattern(unless) if unless else None,
                others_before=_flag_pattern(others) if others else None,
                past=_flag_pattern(past) if past else None,
                context=_flag_pattern(context) if context else None,
            )
        )
    compiled = tuple(flags)
    needs = tuple(
        required_of(_folded(_flag_signs(spec, shared))) for spec in vocabulary["flags"].values()
    )
    presence = StringPresence(frozenset().union(*(n for n in needs if n is not None)))
    signs = PhraseScan(_folded(red_flag_signs(vocabulary)))
    _SIGNS_SCANS[id(compiled)] = _Scans(compiled, signs, needs, presence)
    return compiled


def _flag_signs(spec: dict, shared: dict) -> list[str]:
    """Return the phrases through which one flag can match: its `any` phrases and its
    first `near` list."""
    return _expand_terms(spec.get("any", []), shared) + _expand_terms(
        spec.get("near", [[]])[0], shared
    )


def red_flag_signs(vocabulary: dict) -> list[str]:
    """Return the phrases through which some flag of the vocabulary can match: its `any`
    phrases and its first `near` list."""
    shared = vocabulary.get("terms", {})
    return [sign for spec in vocabulary["flags"].values() for sign in _flag_signs(spec, shared)]


class _Scans(NamedTuple):
    """What is scanned before a compiled set of flags' patterns run."""

    flags: tuple[RedFlag, ...]  # the set, kept so its id cannot be reused
    signs: PhraseScan  # does the text hold any flag's sign at all?
    needs: tuple[frozenset[str] | None, ...]  # per flag, the strings its signs require
    presence: StringPresence  # which of all those strings the text holds, in one scan


#: The scans of each compiled set of flags, by the set's id. Most comments hold no sign,
#: and then no flag's patterns need to run; of the rest, a flag none of whose required
#: strings the text holds cannot match, and its patterns need not run either (None: its
#: signs require none, and it always runs).
_SIGNS_SCANS: dict[int, _Scans] = {}


def _kept_scans(flags: Sequence[RedFlag]):
    """Return the scans compiled with `flags`, or None for flags not compiled here."""
    kept = _SIGNS_SCANS.get(id(flags))
    return kept if kept is not None and kept.flags is flags else None


def _may_hold_a_sign(flags: Sequence[RedFlag], text: str) -> bool:
    """Whether `text` may affirm one of `flags`: False only when the one scan of the
    flags' signs finds none (flags not compiled here are always run)."""
    kept = _kept_scans(flags)
    return kept is None or kept.signs.search(text)


def _may_match(flags: Sequence[RedFlag], text: str) -> list[bool]:
    """Whether each of `flags` may match `text`: False only when `text` lacks every
    string its signs require (flags not compiled here are always run)."""
    kept = _kept_scans(flags)
    if kept is None:
        return [True] * len(flags)
    held = kept.presence.present(text)
    return [needs is None or not needs.isdisjoint(held) for needs in kept.needs]


@cache
def shipped_red_flags() -> tuple[RedFlag, ...]:
    """Return the reviewed red flags shipped with the package, compiled once."""
    return compile_red_flags(read_vocabulary(RED_FLAGS_FILE))


@lru_cache(maxsize=8)
def _scope_bounds(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return the start and end offsets of the clause breaks of `text` (once per text)."""
    found = [m.span() for m in _SCOPE_END.finditer(text)]
    return tuple(start for start, _ in found), tuple(end for _, end in found)


def _scope_ends(text: str) -> tuple[int, ...]:
    """Return the offsets where the clauses of `text` end."""
    return _scope_bounds(text)[1]


def _scope_start(text: str, start: int) -> int:
    """Return where the clause holding position `start` begins."""
    ends = _scope_ends(text)
    i = bisect_right(ends, start)
    return ends[i - 1] if i else 0


_HYPHEN_INSIDE_WORD = re.compile(r"(?<=\w)-(?=\w)")
#: How far before a span its negation window reaches, in characters (a few words).
_PRE_WINDOW_CHARS = 240
#: How far from a sign a date may sit and still date it ("chest pain 4 years ago").
_PAST_REACH = 40
#: Words that make a sign current whatever date its clause also names.
_CURRENT = re.compile(
    r"\b(?:now|still|currently|today|tonight|yesterday|this (?:week|morning|evening)"
    r"|worse|worsening|getting|keeps?|kept|started|starting|since|again|anymore|any more"
    # a comparison with the old episode: the sign itself is current
    r"|than|unlike|nothing like|not like|compared"
    # "still" and "again" in the other languages
    r"|всё ещё|все еще|до сих пор|снова|опять|досі|знову|ακ[όο]μα|ξαν[άα]|po[řr][áa]d|st[áa]le"
    r"|znovu|fortfarande|igen|stadig|fortsatt|igjen|edelleen|taas|[îi]nc[ăa]|din nou|m[ée]g mindig"
    r"|[úu]jra"
    r"|masih|lagi|hala|h[âa]l[âa]|yine|tekrar|immer noch|wieder|todav[íi]a|otra vez|toujours|encore"
    r"|ancora|di nuovo|ainda|de novo|nog steeds|weer|nadal|wci[ąa][żz]|znowu|ponownie)\b"
)
_ONGOING_SINCE = re.compile(r"\bsince\W*$")


def _window_before(text: str, span: tuple[int, int], ignore=()) -> str:
    """Return the last few words of the clause before a span, partner spans blanked."""
    start = span[0]
    # the window is a few words: a long clause is read only near the span
    begin = max(_scope_start(text, start), start - _PRE_WINDOW_CHARS)
    before = list(text[begin:start])
    for other_start, other_end in ignore:
        for i in range(max(other_start, begin), min(other_end, start)):
            before[i - begin] = " "
    # "non-stop", "non-specific": a hyphenated word is one word, not the negator "non"
    joined = _HYPHEN_INSIDE_WORD.sub("", "".join(before))
    return " ".join(_WORD.findall(joined)[-_PRE_WINDOW_WORDS:])


def _clause_end(text: str, end: int) -> int:
    """Return where the clause holding position `end` ends (from the cached breaks: a
    sign in a 5,000-character clause is checked often, the clause is read once)."""
    starts = _scope_bounds(text)[0]
    i = bisect_left(starts, end)
    return starts[i] if i < len(starts) else len(text)


def _in_the_past(text: str, span: tuple[int, int], flag: RedFlag) -> bool:
    """Whether a sign is dated to an old episode right beside it ("chest pain 4 years ago").

    Only a date within a few words of the sign, in its clause, counts, and never in a
    clause that says the sign is current ("now", "still", "worse", "since"): a missed
    emergency costs more than one extra flag.
    """
    if flag.past is None:
        return False
    begin = max(_scope_start(text, span[0]), span[0] - _PAST_REACH)
    end = min(_clause_end(text, span[1]), span[1] + _PAST_REACH)
    if _ONGOING_SINCE.search(text, max(0, begin - 12), begin):
        return False  # "since my op in 2021 ...": dated start of something still going on
    # "now", "still", "worse" in the sign's clause, read a window's width either side
    current_begin = max(_scope_start(text, span[0]), span[0] - _PRE_WINDOW_CHARS)
    current_end = min(_clause_end(text, span[1]), span[1] + _PRE_WINDOW_CHARS)
    if _CURRENT.search(text, current_begin, current_end):
        return False
    return bool(flag.past.search(text, begin, end))


def _affirmed(text: str, span: tuple[int, int], flag: RedFlag, ignore=()) -> bool:
    """Whether a matched sign is asserted: not negated, not hypothetical, not ruled out,
    not dated to a past episode.

    `ignore` holds spans of the same match (a partner phrase) that are not context.
    """
    window = _window_before(text, span, ignore)
    if _NEGATION.search(_PSEUDO_NEGATION.sub(" ", window)) or _HYPOTHETICAL.search(window):
        return False
    if flag.unless_before and flag.unless_before.search(window):
        return False
    if _in_the_past(text, span, flag):
        return False
    return not _POST_NEGATION.match(text[span[1] : span[1] + 60])


def _someone_elses(text: str, span: tuple[int, int], flag: RedFlag) -> bool:
    """Whether a sign is introduced as a relative's or friend's ("my mum had cancer")."""
    return bool(flag.others_before and flag.others_before.search(_window_before(text, span)))


def _sentence_bounds(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences of `text`."""
    bounds, start = [], 0
    for separator in SENTENCE_SPLIT.finditer(text):
        bounds.append((start, separator.start()))
        start = separator.end()
    bounds.append((start, len(text)))
    return bounds


def _words_between(starts: Sequence[int], a: tuple[int, int], b: tuple[int, int]) -> int:
    """Count the words strictly between two spans, in either order, from the sorted word
    start offsets of their text."""
    first, second = sorted([a, b])
    if second[0] <= first[1]:
        return 0
    return bisect_left(starts, second[0]) - bisect_left(starts, first[1])


def _match_flag(flag: RedFlag, text: str, sentences) -> tuple[str, ...] | None:
    """Return the evidence of the first affirmed match of one flag, or None."""
    if flag.unless and flag.unless.search(text):
        return None
    found: list[str] = []
    others, sign_end = False, 0
    single = flag.near[0] if len(flag.near) == 1 else None
    for pattern in (p for p in (flag.any, single) if p is not None):
        if found:
            break
        # the reader's own sign wins over a relative's mentioned first ("Mum had breast
        # cancer and I had a melanoma removed"); a relative's is kept as the fallback
        for m in itertools.islice(pattern.finditer(text), _MAX_MENTIONS):
            if not _affirmed(text, m.span(), flag):
                continue
            theirs = _someone_elses(text, m.span(), flag)
            if not found or not theirs:
                found, others, sign_end = [m.group(0)], theirs, m.end()
            if not theirs:
                break
    if not found and len(flag.near) == 2:
        found = _match_pair(flag, text, [(0, len(text))] if flag.whole_comment else sentences)
    if not found:
        return None
    for pattern in flag.also:
        partner = next(
            (
                m.group(0)
                for m in itertools.islice(pattern.finditer(text), _MAX_MENTIONS)
                if _affirmed(text, m.span(), flag)
                # a relative's history counts only with their own pain, not "my back"
                and not (others and _speaks_of_self(text, sign_end, m.span(), sentences))
            ),
            None,
        )
        if partner is None:
            return None
        found.append(partner)
    return tuple(dict.fromkeys(found))


def _speaks_of_self(text: str, sign_end: int, span: tuple[int, int], sentences) -> bool:
    """Whether the reader speaks of themself before a partner phrase: in its clause, or in
    its sentence after the relative's sign ("Mum had cancer; I just have back ache")."""
    if _FIRST_PERSON.search(_window_before(text, span)):
        return True
    start = max([lo for lo, _ in sentences if lo <= span[0]] + [sign_end])
    return start < span[0] and bool(_FIRST_PERSON.search(text, start, span[0]))


#: Mentions of one phrase list read per sentence when pairing them.
_MAX_MENTIONS = 40
#: Candidate pairs checked per sentence: a reader's question has a handful.
_MAX_PAIRS = 200


def _match_pair(flag: RedFlag, text: str, sentences) -> list[str]:
    """Find two phrases, one from each `near` list, close together in one sentence."""
    for lo, hi in sentences:
        segment = text[lo:hi]
        firsts = [(m.span(), m.group(0)) for m in flag.near[0].finditer(segment)]
        if not firsts:
            continue
        seconds = [(m.span(), m.group(0)) for m in flag.near[1].finditer(segment)]
        # a sentence repeating a phrase hundreds of times is not a reader's question:
        # the first mentions are enough, and the pairs stay few
        firsts, seconds = firsts[:_MAX_MENTIONS], seconds[:_MAX_MENTIONS]
        starts = [m.start() for m in _WORD.finditer(segment)]
        checked = 0
        for a, a_text in firsts:
            for b, b_text in seconds:
                overlapping = a[0] < b[1] and b[0] < a[1]
                too_far = not flag.whole_comment and _words_between(starts, a, b) > flag.within
                if overlapping or too_far:
                    continue
                checked += 1
                if checked > _MAX_PAIRS:
                    return []
                if _affirmed(segment, a, flag, ignore=[b]) and _affirmed(
                    segment, b, flag, ignore=[a]
                ):
                    return [a_text, b_text] if a[0] <= b[0] else [b_text, a_text]
    return []


def find_red_flags(text: str, flags: Sequence[RedFlag] | None = None) -> list[RedFlagMatch]:
    """Return the red flags a comment affirms, one per flag, negations and hypotheticals skipped.

    A match of a flag that needs a context the comment lacks (a back-pain flag in a
    comment not about the back) comes back with `in_context` False: the triage drops it.

    "numbness down there" matches; "no numbness", "never had a fever", "my bladder is
    fine", "pas de fièvre", "what if I get chest pain" and "chest pain 4 years ago" do not.
    """
    flags = shipped_red_flags() if flags is None else flags
    lowered = cleaned_text(text).lower()
    if not _may_hold_a_sign(flags, lowered):
        return []
    sentences = _sentence_bounds(lowered)
    matches = []
    for flag, may_match in zip(flags, _may_match(flags, lowered), strict=True):
        if not may_match:
            continue
        evidence = _match_flag(flag, lowered, sentences)
        if evidence:
            in_context = flag.context is None or bool(flag.context.search(lowered))
            matches.append(RedFlagMatch(flag.code, flag.name, flag.rationale, evidence, in_context))
    return matches


def red_flag_reason(match: RedFlagMatch) -> Reason:
    """Turn a red-flag match into the reason shown to the author."""
    return Reason(
        code="red_flag",
        message=(
            f"Red flag: {match.name}. {match.rationale} Reply first and point the reader "
            "to a doctor (or emergency care) rather than to exercises."
        ),
        weight=1.0,
        evidence=match.evidence,
        source=REASON_SOURCE,
        title=match.name,
    )
