"""The reviewed vocabularies: reading the TOML files and compiling their phrases."""

from __future__ import annotations

import re

import pytest

from moderator.ml.modelfile import ModelError
from moderator.text.vocabulary import (
    CLAUSE_START,
    MEDICAL_TERMS_FILE,
    QUESTION_CUES_FILE,
    RED_FLAGS_FILE,
    any_phrase_pattern,
    matches_at,
    read_vocabulary,
    term_pattern,
)
from tests.paths import ROOT


@pytest.mark.parametrize("path", [MEDICAL_TERMS_FILE, QUESTION_CUES_FILE, RED_FLAGS_FILE])
def test_the_shipped_vocabularies_read(path):
    """Each shipped file parses and holds its top-level table."""
    vocabulary = read_vocabulary(path)
    assert {"categories", "cues", "flags"} & set(vocabulary)


def test_a_broken_or_missing_file_is_a_clear_model_error(tmp_path):
    """A vocabulary that cannot be read names the file in the error."""
    broken = tmp_path / "broken.toml"
    broken.write_text("[flags\nname = ", encoding="utf-8")
    with pytest.raises(ModelError, match="broken.toml"):
        read_vocabulary(broken)
    with pytest.raises(ModelError, match="absent.toml"):
        read_vocabulary(tmp_path / "absent.toml")


def test_term_patterns_match_whole_words_with_optional_plurals():
    """Phrases match as whole words, plural "s"/"es" allowed, never inside another word."""
    pattern = term_pattern(["knee", "rash"], plural=True)
    assert [m.group(0) for m in pattern.finditer("Knees and rashes, a knee")] == [
        "Knees",
        "rashes",
        "knee",
    ]
    assert not pattern.search("kneel on the brash doorstep")
    assert not pattern.search("the knee's")  # an apostrophe joins the word


def test_case_sensitive_patterns_are_for_lower_cased_text():
    """Without ignore_case the pattern matches only the lower-case text it is given."""
    pattern = term_pattern(["knee"], ignore_case=False)
    assert pattern.search("my knee") and not pattern.search("my KNEE")


def _shipped_medical_pattern():
    categories = read_vocabulary(MEDICAL_TERMS_FILE)["categories"]
    return term_pattern([p for phrases in categories.values() for p in phrases], plural=True)


@pytest.mark.parametrize(
    "text",
    [
        "De ishall är stängd, vi parkerar vid stationen.",  # sv "ishall", not tr "ishal"
        "Můžu zaparkovat u nádraží?",  # cs "zaparkovat", not pl "zaparcie"
        "Vorrei ripulire la cucina prima di cena.",  # it "ripulire", not fi "ripuli"
        "Hun har masser af kram i kælderen, for eksempel gamle lamper.",  # da "kram", "eksempel"
        "Bunun için bir satır eklemek yeterli.",  # tr "eklemek" (to add), not "eklem"
        "Kemikalier och rengöringsmedel förvaras i skåpet.",  # sv "kemikalier", not tr "kemik"
        # fr batteries and limescale
        "Les piles de la télécommande sont vides, j'ai pris du calcaire.",
        "Printing from the page is a nightmare, any chance of a PDF?",  # figurative nightmare
        "How long do cooked chicken thighs keep in the fridge?",  # thighs in a recipe
        "The sun shines on the lake, I ordered a lithium-ion battery and a magazine.",
        "Mensen zeggen dat de vestibular examen moeilijk is, de USGS kaart ook.",  # nl "mensen"
        "Η συνδρομή στο περιοδικό και η πυρίτιδα του πολέμου.",  # subscription, gunpowder
        "Сколько экземпляров книги осталось в магазине?",  # "экземпляр", not eczema
    ],
)
def test_broadened_medical_terms_stay_off_everyday_words(text):
    """Fenced stems and phrases do not fire on the everyday words they resemble."""
    found = [m.group(0) for m in _shipped_medical_pattern().finditer(text)]
    assert not found, found


@pytest.mark.parametrize(
    "text",
    [
        "whats the deal with de quervains, will it go by itself",
        "can methotrexate make your hair thin? it's coming out in clumps",
        "do you need to fast before a lipid panel",
        "vit D 4000iu a day too much??",
        "Ho l'ernia del disco L4-L5, posso andare in palestra?",
        "Was hilft gegen Fersensporn?",
        "Ibu saya kolesterolnya tinggi, apakah telur harus dihindari?",
        "Vérhígítót szed az anyukám, szedhet mellé kurkumát?",
    ],
)
def test_broadened_medical_terms_catch_lay_health_questions(text):
    """Eponyms, drug names, lab values, elided Italian and other languages' lay words hit."""
    assert _shipped_medical_pattern().search(text)


def _categories_found(text: str) -> set[str]:
    """Return the medical-term categories whose phrases occur in `text`."""
    categories = read_vocabulary(MEDICAL_TERMS_FILE)["categories"]
    return {
        name
        for name, phrases in categories.items()
        if term_pattern(phrases, plural=True).search(text)
    }


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Could the bacterial infection come back once the course is done?", "condition"),
        ("Are cold sores contageous to my kids?", "condition"),
        ("Can you catch syphilis from sharing a towel?", "condition"),
        ("Is a warm compress enough for the stye?", "treatment"),
        ("My urine culture came back clean, so what is it?", "test"),
        ("Is it normal to get side affects from the new pills?", "medication"),
        ("Why is there green mucous every morning?", "symptom"),
    ],
)
def test_patients_lay_health_words_have_their_category(text, category):
    """Germs, infections, home care, lab cultures and misspellings patients type (issue 15)
    count in their own category, not only as sometimes-medical words."""
    assert category in _categories_found(text)


@pytest.mark.parametrize(
    "text",
    [
        "How do I get a virus off my laptop before it spreads to the network?",
        "Do potions heal wounds faster than resting at the camp?",
        "Why did my bread dough not rise with this yeast?",
        "Which parasites drop the rare loot in the swamp level?",
    ],
)
def test_gaming_cooking_and_computing_senses_stay_sometimes_medical(text):
    """Words as common in games, kitchens and computers as in health (virus, wounds, yeast,
    parasites) count only as sometimes medical: the model learns what they are worth."""
    assert _categories_found(text) == {"sometimes_medical"}


def _plain_pattern(phrases, plural=False) -> re.Pattern:
    """The alternation `term_pattern` compiled before grouping: every phrase in turn
    (a leading "^" spelt out as the clause-start test)."""
    phrases = [CLAUSE_START + p[1:] if p.startswith("^") else p for p in phrases]
    alternation = "|".join(f"(?:{p})" for p in sorted(phrases, key=len, reverse=True))
    suffix = r"(?:e?s)?" if plural else ""
    return re.compile(rf"(?<!\w)(?<!\w')(?:{alternation}){suffix}(?!\w)(?!'\w)")


@pytest.mark.parametrize(
    ("phrases", "text", "found"),
    [
        # grouped behind their first letter, longest first within the letter
        (
            ["pain", "painful", "pins and needles"],
            "painful pins and needles",
            ["painful", "pins and needles"],
        ),
        # a quantified first letter and a top-level bar are not grouped; an opening group
        # of alternatives is split into one phrase each, a quantified one is not
        (
            ["a?che", "pain|ache", "(lower|upper) back", "(mid|middle)? spine"],
            "che, ache and lower back, middle spine and spine",
            ["che", "ache", "lower back", "middle spine"],
        ),
        # "^": only where a sentence or a clause starts, and after "¿"
        (
            ["^muss ich", "^(es|è) normal"],
            "muss ich? morgen muss ich. hallo, muss ich; ¿es normal, il dit que è normal",
            ["muss ich", "muss ich", "es normal"],
        ),
        # phrases inside a word share one walk back over it
        (
            ["\\w*schmerz(en)?", "\\w*pijn", "\\w+säry"],
            "rückenschmerzen, rugpijn, päänsäry",
            ["rückenschmerzen", "rugpijn", "päänsäry"],
        ),
        # a "]" first in a class does not end it, so the "|" after it stays top-level
        (["x[](]|y"], "x] and y", ["x]", "y"]),
        # escapes and classes inside a grouped phrase keep their meaning
        (
            ["b1[02] level", "x\\d+ scan"],
            "b12 level and x2 scan, not b3 level",
            ["b12 level", "x2 scan"],
        ),
    ],
)
def test_grouped_alternation_matches_like_the_plain_one(phrases, text, found):
    """Grouping phrases by their opening character changes the speed, not the matches."""
    plain = _plain_pattern(phrases)
    grouped = term_pattern(phrases, ignore_case=False)
    assert [m.group(0) for m in grouped.finditer(text)] == found
    assert [m.group(0) for m in plain.finditer(text)] == found


def test_shipped_vocabulary_matches_like_the_plain_alternation():
    """On a sample of our corpus, the grouped medical patterns find terms at the same
    places as the plain alternation, as many of them (where two phrases start at the same
    place, the one that wins may differ: "fascitis plantar" or "fascitis")."""

    vocabulary = dict(read_vocabulary(MEDICAL_TERMS_FILE)["categories"])
    vocabulary.update(
        {f"cue_{k}": v for k, v in read_vocabulary(QUESTION_CUES_FILE)["cues"].items()}
    )
    texts = _corpus_sample()
    for phrases in vocabulary.values():
        plain = _plain_pattern(phrases, plural=True)
        grouped = term_pattern(phrases, plural=True, ignore_case=False)
        for text in texts:
            assert [m.start() for m in grouped.finditer(text)] == [
                m.start() for m in plain.finditer(text)
            ], text


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


def test_matches_at_the_scanned_starts_are_finditers_matches():
    """Trying each list only where the one scan of all lists found a start gives the
    very matches `finditer` gives: overlapping starts ("i" inside "can i"), a start a
    longer match swallows, lookbehinds before the start, plurals of lists without."""
    lists = {
        "ask": ["can i", "can i take", "should i"],
        "me": ["i", "i take"],
        "pain": ["pain", "back pain", "(?<!no )ache"],
    }
    scan = any_phrase_pattern(lists.values())
    text = "can i take it? i take back pains, no ache but an ache. should i"
    starts = [m.start() for m in scan.finditer(text)]
    for phrases in lists.values():
        pattern = term_pattern(phrases, ignore_case=False)
        found = matches_at(pattern, text, starts)
        assert _spans(found) == _spans(pattern.finditer(text))
        assert found
    assert matches_at(term_pattern(["pain"], ignore_case=False), "no pains", []) == []


def test_matches_at_leaves_empty_matches_to_finditer():
    """A pattern that can match nothing at all gets finditer's own handling of it."""
    pattern = re.compile(r"(?<!\w)(?:ache)?")
    text = "ache, ache"
    starts = [m.start() for m in re.finditer(r"(?=(?<!\w)(?:ache)?)", text)]
    assert _spans(matches_at(pattern, text, starts)) == _spans(pattern.finditer(text))


def test_shipped_lists_match_alike_at_the_scanned_starts():
    """On a sample of our corpus, each shipped medical and cue list tried only at the
    starts the one scan finds matches exactly where and what its own finditer does."""

    medical = read_vocabulary(MEDICAL_TERMS_FILE)["categories"]
    cues = read_vocabulary(QUESTION_CUES_FILE)["cues"]
    texts = _corpus_sample()
    for lists, plural in ((medical, True), (cues, False)):
        scan = any_phrase_pattern(lists.values())
        patterns = [term_pattern(p, plural=plural, ignore_case=False) for p in lists.values()]
        for text in texts:
            starts = [m.start() for m in scan.finditer(text)]
            for pattern in patterns:
                assert _spans(matches_at(pattern, text, starts)) == _spans(
                    pattern.finditer(text)
                ), text


def _corpus_sample() -> list[str]:
    """Every 40th comment of training_data/, lower-cased: a sample real enough to match."""
    import json

    texts = [
        json.loads(line)["content"].lower()
        for path in sorted((ROOT / "training_data").glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()[::40]
    ]
    assert len(texts) > 100
    return texts
