"""Medical triage: question cues, red flags with negation, and the shipped model."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest
import sklearn

from moderator.core.comment import Comment
from moderator.core.decision import Triage
from moderator.core.reasons import Reason
from moderator.medical import triage as medical_triage
from moderator.medical.features import cue_feature_groups, cue_feature_names
from moderator.medical.model import MedicalModel, load_medical_model
from moderator.medical.question import (
    CONTEXT,
    MEDICAL_TERMS,
    QUESTION_CUE,
    CueMatcher,
    default_vocabulary,
)
from moderator.medical.red_flags import find_red_flags
from moderator.ml.linear import CalibratedLinear
from moderator.ml.modelfile import ModelError, sha256_of
from moderator.ml.protocol import Score
from moderator.text.tokens import TEXT_LIMIT, clean_text
from tests.paths import MODELS, ROOT

SEED = (
    "It is November 2 and I've been repeatedly getting muscle knots in the same place since "
    "July 28. I've had three massages in this time but keep getting knots. What can I do. "
    "I'm tired of living with this pain"
)
SADDLE_AND_BLADDER = (
    "I've had numbness down there and can't control my bladder since yesterday, is stretching ok?"
)


@pytest.fixture(scope="module")
def model() -> MedicalModel:
    """The shipped model, loaded once: loading unpickles and checks the sha256."""
    return load_medical_model(MODELS)


@pytest.fixture(scope="module")
def matcher() -> CueMatcher:
    """Cue patterns compiled from the shipped vocabulary, shared by the cue cases."""
    return CueMatcher(default_vocabulary())


# --------------------------------------------------------------------------- question cues


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        ("Why does my knee click when I squat?", "wh_question"),
        ("how long does sciatica usually last if you dont do anything about it", "wh_question"),
        ("Is it bad to run with a sore achilles?", "yes_no_question"),
        ("Can stretching make a bulging disc worse", "yes_no_question"),
        ("What can I do.", "what_can_i_do"),
        ("What would you suggest for tennis elbow", "what_can_i_do"),
        ("Should I see a physio or wait it out", "should_i"),
        ("Is it normal to feel dizzy after the neck exercises", "is_it_normal"),
        ("Should I be worried about the clicking", "is_it_normal"),
        ("Any advice for a frozen shoulder would be great", "advice"),
        ("Tips please, my plantar fasciitis is killing me", "advice"),
        ("I would like to know if heat is ok with a herniated disc", "request"),
        ("I was wondering whether magnesium helps with cramps", "request"),
        ("Please let me know if these are safe in pregnancy", "request"),
        ("Quick question: is ibuprofen ok before a run?", "yes_no_question"),
        ("does magnesium actually help cramps", "yes_no_question"),
        ("Is ice or heat better for a pulled hamstring", "yes_no_question"),
        ("what causes a baker's cyst", "wh_question"),
        ("which exercise fixes rounded shoulders", "wh_question"),
        ("what's the recovery after an ACL reconstruction like", "wh_question"),
        ("is a ganglion on the wrist dangerous", "yes_no_question"),
        ("my achilles is thick and creaky, does that need a scan or just rest", "yes_no_question"),
        ("osgood schlatter - does my son need to stop football", "yes_no_question"),
        ("stiff after six weeks, when are you supposed to notice a change", "wh_question"),
        ("how do u treat a torn meniscus without an op", "wh_question"),
        ("scan says schmorl's nodes, what on earth are those", "wh_question"),
        ("what are Schmorl's nodes and should I worry", "wh_question"),
        ("Would love to know whether lifting is safe with hypermobility", "request"),
        ("Would like your view on getting the tongue tie snipped", "request"),
        ("Tell me honestly if I'm wasting my money on orthotics", "request"),
        ("If you could explain how long to wait after eating before running", "request"),
        ("Could really use some advice, three years of on and off sciatica", "request"),
        ("any good exercises for scoliosis in teens", "request"),
        ("I wake up with a dry mouth every morning, is there a reason", "yes_no_question"),
    ],
)
def test_each_cue_family_is_found(matcher, sentence, family):
    """Every cue family, with and without a question mark, marks the sentence as asking."""
    found = matcher.sentence(sentence)
    assert found.asks
    assert found.cues.get(family), found.cues


@pytest.mark.parametrize(
    ("sentence", "family"),
    [
        ("Ist das normal, dass mein Knie nach dem Joggen so anschwillt", "is_it_normal"),
        ("Ich nehme L-Thyroxin und möchte wissen, ob ich Eisen dazu nehmen darf.", "request"),
        ("vorrei sapere se posso andare in palestra con l'ernia", "request"),
        ("¿Es normal tener hormigueo en los dedos por la noche?", "is_it_normal"),
        ("que puis-je faire contre les crampes la nuit", "what_can_i_do"),
        ("moeten we met haar naar de kinderfysio", "should_i"),
        ("czy magnez można brać razem z lekami na tarczycę", "request"),
        ("är det farligt att ta ipren flera dagar i rad", "is_it_normal"),
        ("hvad kan jeg gøre ved ondt i ryggen", "what_can_i_do"),
        ("onko normaalia että polvi turpoaa juoksun jälkeen", "is_it_normal"),
        ("kas on normaalne et põlv on veel paistes", "is_it_normal"),
        ("Dizim ağrıyor, koşmaya devam edebilir miyim", "should_i"),
        ("είναι φυσιολογικό να πονάει η μέση μου", "is_it_normal"),
    ],
)
def test_cue_families_in_other_languages(matcher, sentence, family):
    """A question in another language, with or without its question mark, asks like its
    English twin: the cue families hold the common forms of 17 languages."""
    found = matcher.sentence(sentence)
    assert found.asks
    assert found.cues.get(family), found.cues


@pytest.mark.parametrize(
    "sentence",
    [
        "Ich habe das Buch gestern gelesen und fand es gut.",
        "Morgen muss ich zum Arzt.",
        "Laut meinem Arzt ist das harmlos.",
        "Ich finde es normal, dass man nach dem Lauf müde ist.",
        "Mi piace molto questo blog, grazie per i consigli.",
        "Domani devo andare dal medico.",
        "Il medico dice che è normale.",
        "Mañana tengo que ir al médico.",
        "Este blog es muy útil para mi",
        "Mon médecin m'a dit que c'est normal.",
        "Demain je dois aller chez le médecin.",
        "O médico disse que é normal.",
        "Morgen moet ik naar het ziekenhuis.",
        "Tak czy inaczej, dziękuję za artykuł.",
        "Imorgon ska jag till läkaren.",
        "I morgen skal jeg til lægen.",
        "Jeg har løbet hver dag i en måned nu.",
        "Sain hyviä vinkkejä fysioterapeutilta.",
        "Mu põlv valutab juba kolm päeva.",
        "Koşudan sonra kas ağrım var ama geçiyor.",
        "Dal jsem mu prášek a usnul.",
        "Mâine trebuie să merg la medic.",
        "Az orvos szerint ez normális.",
        "Πρέπει να πω ότι το άρθρο είναι υπέροχο.",
    ],
)
def test_other_language_statements_do_not_ask(matcher, sentence):
    """Statements in these languages use the question words in the same order ("Morgen
    muss ich", "il medico dice che è normale"), and one language's particle is another's
    pronoun ("mu", "mi", "kas"): those phrases count only where a question starts."""
    found = matcher.sentence(sentence)
    assert not found.asks, found.cues


@pytest.mark.parametrize(
    "sentence",
    [
        "Hallo, muss ich damit zum Arzt",
        "¿Qué puedo hacer para dormir mejor",
        "Woran kann das liegen",
        "Kennt jemand das Problem",
        "puis-je continuer à courir avec une tendinite",
        "Dobrý den, nevíte někdo co na to",
        "Är det någon som vet vad det kan bero på",
        "Ağrı normal mi",
        "Doğru mu",
        "Fájdalom normális-e ilyenkor",
    ],
)
def test_other_language_questions_ask_where_they_start(matcher, sentence):
    assert matcher.sentence(sentence).asks, sentence


@pytest.mark.parametrize(
    ("sentence", "pet"),
    [
        ("My cat keeps sneezing, should I see the vet?", True),
        ("Is my dog allergic to grass?", True),
        ("My dog has an allergy to chicken, what food is best?", True),
        ("Does the allergy to cats ever go away?", False),
        ("I'm allergic to our two dogs, can I take antihistamines every day?", False),
        ("Does a dog allergy ever go away?", False),
        ("Is cat dander worse in winter?", False),
        ("I'm allergic to my sister's cat, what can I take before visiting?", False),
        ("I'm allergic to both of our cats, will it get better?", False),
    ],
)
def test_an_animal_someone_is_allergic_to_is_no_pet_question(matcher, sentence, pet):
    """A pet's own health is not the author's to answer; a person's allergy to one is."""
    assert bool(matcher.sentence(sentence).cues.get("animal")) is pet


@pytest.mark.parametrize(
    "sentence",
    [
        "When I was pregnant I had the same pain.",
        "What worked for me was losing weight and calf raises.",
        "Will definitely try this tonight!",
        "Have been doing these every morning.",
        "How lucky that I found this post.",
        "Can't find the link anywhere.",
        "Can confirm, the bridges helped my back.",
        "Is so good to read this after a long day.",
        "What works for me is a hot shower first.",
        "What helped me most was the walking plan.",
        "Was mich am meisten stört, ist der Lärm.",
        "Would buy the ebook in a heartbeat.",
        "Will keep you posted after my MRI.",
        "Can feel it getting better already.",
        "What helps is rest.",
        "What matters is consistency.",
        "What works wonders for me is ice.",
        "Which helps a lot, thanks!",
        "Is a must for anyone with a desk job.",
        "What is clear is that rest alone did nothing for me.",
        "Is a great read, shared it with my running club.",
        "If it hurts, do your stretches anyway and ice after.",
        "If your knee hurts, do this stretch twice a day.",
        "When the pain flares, do it slowly and stop at the first twinge.",
        "Is an excellent article, sharing it with my class.",
        "Great post, it is what it is with knees.",
        "Honestly, this is a lifesaver for my back.",
    ],
)
def test_statements_that_look_like_questions_do_not_ask(matcher, sentence):
    """Subordinate wh- clauses and dropped-subject statements are not questions."""
    assert not matcher.sentence(sentence).asks


def test_medical_terms_are_found_by_category(matcher):
    """Symptoms, body parts, conditions, treatments, medication, tests and durations."""
    found = matcher.sentence(
        "My lower back has ached for three weeks since the MRI showed a herniated disc; "
        "ibuprofen and physio barely help"
    ).medical
    for category in ("symptom", "body_part", "condition", "treatment", "medication", "test"):
        assert found.get(category), (category, found)
    assert found.get("duration")


@pytest.mark.parametrize(
    "text",
    [
        "Our 4 month old only naps for twenty minutes, how do we get longer naps?",
        "My cycle length jumps between 25 and 38 days, should I be worried?",
        "Is it fine to take creatine and a multivitamin together?",
        "My toddler's poo has been runny all week, when do we call someone?",
        "Mi bebé no duerme más de dos horas seguidas, ¿es normal?",
    ],
)
def test_everyday_health_words_count_as_medical(matcher, text):
    """Lay health questions without clinical words (baby, sleep, cycle, supplements)."""
    found = {c for s in matcher.analyse(text) for c in s.medical}
    assert "everyday_health" in found, found


@pytest.mark.parametrize(
    "text",
    [
        "Can I iron my running shirt at a high setting?",
        "Which formula do you use in the spreadsheet for the weekly totals?",
        "Do you ship the cast iron pan to Ireland?",
    ],
)
def test_everyday_words_with_other_meanings_are_not_medical(matcher, text):
    """Iron, formula and the like count only in their health sense."""
    found = {c for s in matcher.analyse(text) for c in s.medical}
    assert "everyday_health" not in found, found


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Jag har haft ont i ryggen i tre veckor, borde jag gå till läkaren?", id="sv"),
        pytest.param("Min datter har feber om natten, hvornår skal vi ringe til lægen?", id="da"),
        pytest.param("Jeg har vondt i kneet etter løping, hva kan jeg gjøre?", id="no"),
        pytest.param("Minulla on päänsärky ja huimausta, pitäisikö mennä lääkäriin?", id="fi"),
        pytest.param("Mă doare genunchiul când urc scările, ar trebui să merg la medic?", id="ro"),
        pytest.param("Két hete fáj a térdem lépcsőzés közben, mit tegyek?", id="hu"),
        pytest.param("Μου πονάει το γόνατο όταν τρέχω, να πάω σε γιατρό;", id="el"),
        pytest.param("Už týden mě bolí záda, mám jít k lékaři?", id="cs"),
        pytest.param("У меня уже месяц болит шея, какие упражнения помогут?", id="ru"),
        pytest.param("У мене болить спина після роботи, до якого лікаря звернутися?", id="uk"),
    ],
)
def test_more_languages_health_words_count_as_medical(matcher, text):
    """Readers' health questions in ten more languages name a symptom, body part or doctor."""
    found = {c for s in matcher.analyse(text) for c in s.medical}
    assert found - {"sometimes_medical"}, found


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Jag är trött på all reklam, men receptet var toppen.", id="sv"),
        pytest.param("Han er en god spiller, og vi spiller fodbold hver lørdag.", id="da"),
        pytest.param("Kävimme leikkipuistossa, ja kuumenna uuni ennen pullia.", id="fi"),
        pytest.param("Gyakorlatilag minden fájlt elküldtem, az operációs rendszer friss.", id="hu"),
        pytest.param("Am lăsat mașina în spatele casei, mi-e dor de bunica.", id="ro"),
        pytest.param("Το κεφάλαιο τρία είναι το καλύτερο, πού είναι το εγχειρίδιο;", id="el"),
        pytest.param("Hlavní nádraží je hned vedle, máme hosta na večeři.", id="cs"),
        pytest.param("Больше всего мне понравился второй рецепт.", id="ru"),
        pytest.param("Усталені правила клубу я знаю, а грудень був холодним.", id="uk"),
        pytest.param("Hovedstaden er vakker om våren, og han er en god spiller.", id="no"),
    ],
)
def test_everyday_words_in_more_languages_are_not_medical(matcher, text):
    """The new languages' stems stay off their everyday words: "trött på", "fájl", "hlavní",
    "κεφάλαιο", and Danish and Norwegian "er" (is) is not the ER."""
    found = {c: terms for s in matcher.analyse(text) for c, terms in s.medical.items()}
    assert not found, found


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("what helps with costochondritis", "costochondritis"),
        ("my dad was told he has rhabdomyosarcoma", "rhabdomyosarcoma"),
        ("recovery after a nephrolithotomy?", "nephrolithotomy"),
        ("difference between myelogenous and lymphocytic leukemia", "leukemia"),
        ("pls explain what a high CRP means", "CRP"),
        ("my platelet count keeps dropping", "platelet count"),
    ],
)
def test_rare_conditions_operations_and_lab_values_count_as_medical(matcher, text, term):
    """Clinical word endings and quoted lab values name what no list can hold."""
    found = [t for s in matcher.analyse(text) for terms in s.medical.values() for t in terms]
    assert term in found, found


@pytest.mark.parametrize(
    "text",
    [
        "Pure nostalgia, this post. Academia was never for me.",
        "Got my diploma and a trophy, the aroma of victory!",
        "Photography or geography, which degree would you pick?",
        "A polemic about Oklahoma's new stadium.",
        "Osmosis, symbiosis and metamorphosis: a false dichotomy from Liguria to Bohemia.",
        "PSA: the std::vector example leaks, and time dilation is not what you wrote.",
        "My only gripe is the font size, and another gripe: the dark mode.",
    ],
)
def test_words_that_only_look_clinical_are_not_medical(matcher, text):
    """The clinical endings fence off their everyday look-alikes; abbreviations that are
    as often everyday count only as sometimes medical."""
    found = {c for s in matcher.analyse(text) for c in s.medical}
    assert found <= {"sometimes_medical"}, found


def test_other_scripts_question_marks_ask(matcher):
    """Greek asks with ";" and Arabic with "؟": both are question marks."""
    greek = matcher.analyse("Το μωρό μου ξυπνάει κάθε ώρα. Είναι φυσιολογικό;")
    arabic = matcher.analyse("هل هذا طبيعي؟")
    assert greek[-1].question_mark and arabic[-1].question_mark
    assert not matcher.analyse("Plain; not a question")[0].question_mark


def test_letters_whose_lower_case_is_longer_still_match(matcher):
    """ "İ" lower-cases to two characters: such sentences are matched case-blind."""
    found = matcher.sentence("İstanbul was great but my KNEE PAIN is back, should I worry?")
    assert "PAIN" in found.medical["symptom"] and "KNEE" in found.medical["body_part"]
    assert found.asks


def test_long_comments_are_read_head_and_tail(matcher):
    """A huge comment is cut to its head and tail, keeping a question at its end."""
    story = "We walked along the coast every day and the weather held. " * 2000
    text = story + "Is it normal that my knee still hurts a week later?"
    cleaned = clean_text(text)
    assert len(cleaned) <= TEXT_LIMIT
    assert cleaned.endswith("a week later?")
    assert matcher.analyse(text)[-1].asks


# --------------------------------------------------------------------------- cue features

SHOP_QUESTION = "Do you ship the back brace to Canada, and how long does delivery take? Thanks!"


def _categories(model: MedicalModel) -> list[str]:
    """The medical-term categories frozen into the shipped model's cue step."""
    return list(
        model.pipeline.named_steps["features"].transformer_list[0][1].vocabulary_["medical"]
    )


def _cue_names(model: MedicalModel) -> list[str]:
    """The cue feature names the features code gives the shipped model's vocabulary."""
    return cue_feature_names(_categories(model))


def test_cue_names_are_the_shipped_models_columns(model):
    """Names and values come from one definition: the shipped columns, one value each."""
    cues = model.pipeline.named_steps["features"].transformer_list[0][1]
    names = _cue_names(model)
    assert names == list(cues.feature_names_)
    assert len(set(names)) == len(names) == len(model.cue_vector(SEED))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            SEED,
            {
                "asks_any": 1.0,
                "asking_sentence_share": 0.25,
                "cue_wh_question": math.log1p(1),
                "cue_what_can_i_do": math.log1p(1),
                "cue_should_i": math.log1p(1),
                "personal": math.log1p(3),
                "personal_medical": math.log1p(3),
                "medical_symptom": math.log1p(2),
                "medical_body_part": math.log1p(1),
                "medical_treatment": math.log1p(1),
                "medical_duration": math.log1p(1),
                "medical_everyday_health": math.log1p(1),
                "medical_distinct_terms": math.log1p(6),
                "medical_categories": math.log1p(5),
                "question_near_medical": math.log1p(1),
                "asks_x_medical": 1.0,
                "asks_x_medical_terms": math.log1p(6),
                "buried_question": 1.0,
                "last_question_position": 0.75,
                "asking_sentences_without_medical": math.log1p(1),
            },
        ),
        (
            SHOP_QUESTION,
            {
                "question_marks": math.log1p(1),
                "asks_any": 1.0,
                "asking_sentence_share": 0.5,
                "cue_yes_no_question": math.log1p(1),
                "cue_what_can_i_do": math.log1p(1),
                "other_commerce": math.log1p(1),
                "other_thanks": math.log1p(1),
                "other_commerce_in_question": math.log1p(1),
                "author_address_in_question": math.log1p(1),
                "medical_treatment": math.log1p(1),
                "medical_treatment_in_question": math.log1p(1),
                "medical_distinct_terms": math.log1p(1),
                "medical_categories": math.log1p(1),
                "question_with_medical": math.log1p(1),
                "question_near_medical": math.log1p(1),
                "asks_x_medical": 1.0,
                "asks_x_medical_terms": math.log1p(1),
                "last_question_position": 0.5,
            },
        ),
    ],
    ids=["seed", "shop question"],
)
def test_each_cue_value_sits_in_its_named_column(model, text, expected):
    """The non-zero cue features of two comments, by name, as the shipped model learned them."""
    found = {n: v for n, v in zip(_cue_names(model), model.cue_vector(text), strict=True) if v}
    assert found == pytest.approx(expected, abs=1e-12)


def test_every_cue_feature_belongs_to_exactly_one_reason_group(model):
    names = _cue_names(model)
    groups = cue_feature_groups(_categories(model))
    assert list(groups) == names  # every feature, each once, in column order
    assert set(groups.values()) == {QUESTION_CUE, MEDICAL_TERMS, CONTEXT}
    assert groups["question_marks"] == QUESTION_CUE  # it once weighed on both reasons


@pytest.mark.parametrize(
    "text", [SEED, SHOP_QUESTION, "My knee is swollen after runs. Ice or heat?"]
)
def test_each_reason_weighs_its_own_cue_features_and_no_others(model, text):
    """A reason's weight is the summed contribution of its group's features: a feature
    never counts towards two reasons."""
    names = _cue_names(model)
    groups = cue_feature_groups(_categories(model))
    coef = CalibratedLinear(model.pipeline.named_steps["classifier"], "medical").coef
    contributions = coef[: len(names)] * model.cue_vector(text)
    (score,) = model.score_many([Comment(content=text)])
    weights = {r.code: r.weight for r in score.reasons}
    assert set(weights) == {QUESTION_CUE, MEDICAL_TERMS}
    for group in (QUESTION_CUE, MEDICAL_TERMS):
        own = sum(c for name, c in zip(names, contributions, strict=True) if groups[name] == group)
        assert weights[group] == pytest.approx(own, abs=1e-12)


# --------------------------------------------------------------------------- the model


def test_seed_comment_needs_reply_and_is_not_urgent(model):
    """The issue's seed comment: a buried "What can I do." without a question mark."""
    triage = model.triage(Comment(content=SEED))
    assert isinstance(triage, Triage)
    assert triage.needs_reply
    assert not triage.urgent
    codes = [r.code for r in triage.reasons]
    assert "question_cue" in codes and "medical_terms" in codes
    assert "red_flag" not in codes
    assert all(r.source == "medical_model" for r in triage.reasons)
    cue = next(r for r in triage.reasons if r.code == "question_cue")
    assert any("what can i do" in e.lower() for e in cue.evidence)


def test_saddle_numbness_and_bladder_question_is_urgent(model):
    """Red flags in a question make it urgent, each flag a reason pointing to a doctor."""
    triage = model.triage(Comment(content=SADDLE_AND_BLADDER))
    assert triage.needs_reply and triage.urgent
    flags = [r for r in triage.reasons if r.code == "red_flag"]
    assert len(flags) >= 2
    assert all("doctor" in r.message and r.evidence for r in flags)


WEAKER_LEG = (
    "My right leg has become noticeably weaker over ten days, I can't do a step up any more "
    "and it keeps getting worse, not better."
)
WEAK_LEG = "My right leg has gone weak and gives way on the stairs."


def test_urgency_follows_the_flag_not_the_question_score(model):
    """Weakness growing over days is urgent whether the model flags the text or not; a
    back-pain flag ("a leg gives way") in a comment not about the back is urgent under
    neither: the model's score no longer stands in for the back."""
    assert find_red_flags(WEAKER_LEG) and not any(
        s.asks
        for s in model.pipeline.named_steps["features"]
        .transformer_list[0][1]
        .matcher_.analyse(WEAKER_LEG)
    )
    assert [m.in_context for m in find_red_flags(WEAK_LEG)] == [False]
    for threshold in (0.0, 1.01):
        medical = MedicalModel(model.pipeline, {**model.card, "threshold": threshold})
        triage = medical.triage(Comment(content=WEAKER_LEG))
        assert triage.needs_reply and triage.urgent
        assert "red_flag" in [r.code for r in triage.reasons]
        triage = medical.triage(Comment(content=WEAK_LEG))
        assert not triage.urgent and "red_flag" not in [r.code for r in triage.reasons]


ASKS = (Reason(QUESTION_CUE, "Asks the author something.", 0.0, source="medical_model"),)
SPRAIN = "How long does a sprained ankle take to heal?"


@pytest.mark.parametrize(
    ("probability", "reasons", "text", "needs_reply", "urgent"),
    [
        pytest.param(0.9, ASKS, SPRAIN, True, False, id="over the threshold"),
        pytest.param(0.1, ASKS, SPRAIN, False, False, id="under the threshold"),
        pytest.param(0.1, ASKS, SADDLE_AND_BLADDER, True, True, id="red flags in a question"),
        pytest.param(0.1, (), SADDLE_AND_BLADDER, True, True, id="red flags, nothing asked"),
        pytest.param(0.9, (), WEAKER_LEG, True, True, id="red flag in a flagged request"),
    ],
)
def test_triage_reads_the_threshold_the_question_and_the_red_flags(
    probability, reasons, text, needs_reply, urgent
):
    """The triage step on any model's score: the threshold decides, and red flags make a
    question need a reply and a comment that needs one urgent, with a reason per flag."""
    result = medical_triage.triage(Comment(content=text), Score(probability, reasons), 0.5)
    assert (result.needs_reply, result.urgent) == (needs_reply, urgent)
    assert result.medical_score == probability
    assert result.reasons[: len(reasons)] == reasons
    assert ("red_flag" in [r.code for r in result.reasons]) is urgent


def test_the_model_scores_the_question_and_leaves_red_flags_to_the_triage(model):
    comment = Comment(content=SADDLE_AND_BLADDER)
    (score,) = model.score_many([comment])
    assert [r.code for r in score.reasons] == [QUESTION_CUE, MEDICAL_TERMS]
    assert model.triage(comment) == medical_triage.triage(comment, score, model.threshold)


@pytest.mark.parametrize(
    "text",
    [
        "I had the same surgery in 2019 (L5/S1 microdiscectomy). First two weeks were rough, "
        "then by week six I was back at my desk job. Your timeline is spot on.",
        "The piriformis stretch in bed is a game changer. Three mornings in and my sciatica "
        "is noticeably calmer. Thank you!",
    ],
)
def test_medical_story_without_question_is_not_flagged(model, text):
    """A personal health story that asks nothing does not need a reply."""
    assert not model.triage(Comment(content=text)).needs_reply


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            "Do you ship the back brace to Canada, and how long does delivery take?",
            marks=pytest.mark.xfail(
                strict=True,
                reason="the model trained on real text (medical-20261208-b11de497) leans on "
                "medical words: 'back brace' outweighs the shipping cue (0.786 at a 0.71 "
                "threshold)",
            ),
        ),
        "How much is the knee pain course and is there a student discount?",
        "Could you write a post about ergonomic chairs next?",
        "The video in the sciatica post won't load on my phone, can you fix it?",
    ],
)
def test_shop_site_and_topic_questions_on_health_posts_are_not_flagged(model, text):
    """Shipping, price, site and topic-request questions are not medical questions."""
    assert not model.triage(Comment(content=text)).needs_reply


def test_direct_scoring_equals_the_pipeline(model):
    """The per-comment fast path computes exactly what scikit-learn's pipeline does."""
    texts = [
        "",
        "ok",
        SEED,
        SADDLE_AND_BLADDER,
        "Το μωρό μου ξυπνάει κάθε ώρα. Είναι φυσιολογικό; 😀 https://x.example/a?b=1",
        "does magnesium actually help cramps " * 40,
        "<b>Bold</b> &amp; tags, 12mg of ibuprofen 3x a day for 2 weeks?",
        "Should I continue with the Fluticasone, or switch to cefdinir?",
    ]
    assert model._direct is not None
    direct = np.array([model._direct.probability(t, model.cue_vector(t)) for t in texts])
    pipeline = model.pipeline.predict_proba(texts)[:, 1]
    np.testing.assert_allclose(direct, pipeline, rtol=0, atol=1e-12)
    # a batch scores each text as it scores alone, and as the pipeline does
    np.testing.assert_allclose(model.scores(texts), pipeline, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.scores(texts), model.scores(texts * 3)[: len(texts)])


def test_an_unusual_pipeline_is_scored_through_scikit_learn(model):
    """A step the fast path does not know (here a scaler) turns the fast path off."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MaxAbsScaler

    steps = model.pipeline.steps
    odd = Pipeline([steps[0], ("scale", MaxAbsScaler().fit(np.ones((1, 1)))), steps[1]])
    assert MedicalModel(odd, model.card)._direct is None


def test_triage_many_matches_triage(model):
    """Batch scoring gives the same triage as one at a time."""
    comments = [Comment(content=SEED), Comment(content=SADDLE_AND_BLADDER), Comment(content="hi")]
    assert model.triage_many(comments) == [model.triage(c) for c in comments]


def test_meqsum_layout_does_not_change_the_score(model):
    """The "SUBJECT: ... MESSAGE: ..." layout of MeQSum is not what the model learned."""
    plain = "Knee pain after running. Is it safe to keep running on a swollen knee?"
    laid_out = (
        "SUBJECT: Knee pain after running\nMESSAGE: Is it safe to keep running on a swollen knee?"
    )
    assert (
        abs(
            model.triage(Comment(content=plain)).medical_score
            - model.triage(Comment(content=laid_out)).medical_score
        )
        < 0.1
    )


@pytest.mark.slow
def test_scores_are_identical_in_a_fresh_process(model):
    """The joblib file loads by reference in another interpreter and scores the same."""
    texts = [SEED, SADDLE_AND_BLADDER, "Where can I buy the foam roller?"]
    code = (
        "import json, sys; from pathlib import Path; "
        "from moderator.medical.model import load_medical_model; "
        "m = load_medical_model(Path(sys.argv[1])); "
        "print(json.dumps([float(s) for s in m.scores(json.loads(sys.argv[2]))]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(MODELS), json.dumps(texts)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert json.loads(result.stdout) == [float(s) for s in model.scores(texts)]


def test_shipped_card_is_consistent(model):
    """The card names this scikit-learn, the artifact's sha256, the threshold and sources."""
    card = json.loads((MODELS / "medical.json").read_text(encoding="utf-8"))
    assert card["versions"]["scikit-learn"] == sklearn.__version__
    assert card["artifact"]["sha256"] == sha256_of(MODELS / "medical.joblib")
    assert 0.0 < card["threshold"] < 1.0 and card["threshold"] == model.threshold
    assert model.version == f"medical-{card['trained_on']}-{card['artifact']['sha256'][:8]}"
    assert card["sources"] and all(s["files"] for s in card["sources"])
    assert all(len(sha) == 64 for s in card["sources"] for sha in s["files"].values())
    assert card["metrics"]["ours_held_out"]["comments"] > 0
    assert (MODELS / "medical.joblib").stat().st_size < 5_000_000


def test_missing_model_raises_a_clear_error(tmp_path):
    """An empty model folder is refused with the file named and how to fix it."""
    with pytest.raises(ModelError, match="medical.json"):
        load_medical_model(tmp_path)


def test_tampered_model_is_refused(tmp_path):
    """A model file that does not match its card's sha256 is refused."""
    shutil.copy(MODELS / "medical.json", tmp_path / "medical.json")
    shutil.copy(MODELS / "medical.joblib", tmp_path / "medical.joblib")
    with open(tmp_path / "medical.joblib", "ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelError, match="sha256"):
        load_medical_model(tmp_path)


@pytest.mark.parametrize(
    ("sentence", "medical"),
    [
        ("Mul on seljavalu juba kolm nädalat", True),
        ("põlv on pärast operatsiooni paistes", True),
        ("Mul oli seljas uus mantel.", False),
        ("Kõik on sinu kätes.", False),
        ("Olen tööst väga väsinud.", False),
        ("Film oli nii tuim.", False),
    ],
)
def test_estonian_medical_words_only_in_their_medical_sense(matcher, sentence, medical):
    """Estonian body words double as everyday ones ("seljas": wearing, "kätes": in your
    hands): only the forms that name the body or a symptom count."""
    found = matcher.sentence(sentence)
    assert bool(any(found.medical.values())) is medical, found.medical
