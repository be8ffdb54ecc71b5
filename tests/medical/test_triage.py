"""Urgent triage on written cases: every emergency flag, every confusable family, in each
covered language (issue 16). The benchmark's evaluation set (bench/urgent_cases.jsonl) is
kept apart from these and from the vocabulary, so its recall figure stays honest."""

from __future__ import annotations

import pytest

from moderator.core.comment import Comment
from moderator.medical.triage import triage
from moderator.ml.protocol import Score

#: No health question in the model's eyes: urgency must come from the red flags alone.
UNSCORED = Score(0.0, ())

URGENT = {
    "possible heart attack": [
        "crushing pain in my chest and I'm drenched in sweat",
        "Estou com uma dor forte no peito que vai para o braço esquerdo",
        "Ho un dolore fortissimo al petto che scende nel braccio sinistro",
        "is it bad that the pressure in my chest goes into my jaw?",
        "i think im having a heart attack",
        "felt like a ton of bricks sitting on my chest during the spin class, still there",
    ],
    "possible stroke (FAST)": [
        "my dad's smile is lopsided and his speech is slurred",
        "a boca da minha mãe ficou torta e ela não consegue falar",
        "mio padre ha la bocca storta e non riesce a parlare",
        "all of a sudden my right arm went numb and i couldn't hold my cup",
        "she can't raise her left arm, what do we do",
        "my words are coming out jumbled since lunch",
    ],
    "sudden severe headache or meningitis signs": [
        "worst headache of my life came on while I was on the toilet",
        "he has a temperature and a stiff neck, is that serious?",
        "spots on her legs that don't fade when I press a glass on them",
    ],
    "severe breathing difficulty": [
        "I'm struggling to breathe after the hike and it isn't easing",
        "my son's lips are turning blue",
        "my reliever inhaler is not helping at all",
    ],
    "possible anaphylaxis": [
        "my lips are swelling up after the peanut cookie",
        "my throat is closing, used my epipen already",
    ],
    "possible sepsis": [
        "I have a fever and I'm so confused I can't think straight",
        "her knees look mottled and she's burning up",
    ],
    "severe bleeding or blood loss": [
        "threw up blood twice this morning",
        "the cut on my thumb won't stop bleeding",
        "my poo is black and tarry, should I worry?",
    ],
    "head injury with warning signs": [
        "my daughter banged her head on the pool edge and keeps vomiting",
        "hit my head on the shelf and passed out briefly",
    ],
    "progressive weakness or numbness": [
        "my legs are getting weaker by the day",
        "the tingling is spreading up my legs since yesterday",
    ],
    "wound infection after an operation": [
        "my stitches from the surgery are oozing yellow stuff",
        "the incision from my op smells and I have a fever",
    ],
    "pregnancy warning signs": [
        "28 weeks pregnant and my hands and face have swollen suddenly with a bad headache",
        "the baby has not moved today",
        "I'm pregnant and started bleeding this morning",
    ],
    "fever or poor feeding in a young baby": [
        "my 5 week old feels hot and has a fever",
        "our newborn is floppy and hard to wake",
    ],
    "dehydration in a child": [
        "my toddler has had no wet nappy since morning and keeps being sick",
        "my son has sunken eyes after the tummy bug",
    ],
    "diabetic emergency (very high or low sugar)": [
        "my blood sugar is 1.9 and I feel shaky",
        "type 1 and my ketones are high, vomiting since noon",
        "type 1 here, my sugar is 45 and I'm shaking and confused",
        "blood glucose reads 560 and I keep vomiting, I'm diabetic",
    ],
    "overdose or poisoning": [
        "I swallowed 30 ibuprofen tablets",
        "my toddler drank bleach from under the sink",
        "I think I overdosed on my painkillers",
    ],
    "suicidal thoughts, plans or goodbye": [
        "I want to end my life",
        "I don't want to live anymore",
        "goodbye everyone, I'm sorry",
        "I've been feeling suicidal for weeks",
        "quiero quitarme la vida",
        "je vais me suicider",
        "ich will mich umbringen",
        "não quero mais viver",
        "voglio farla finita",
        # frustration alone ("tired of living with this pain", the seed) needs a reply;
        # wanting it all to end is a warning sign (NICE NG225: ask directly)
        "im so sick of this, i just want it all to end",
    ],
    "self-harm": [
        "I've started cutting myself again",
        "I hurt myself on purpose when things get bad",
    ],
    "chest pain": [
        "my chest is tight and heavy since this morning",
        "tengo dolor de pecho desde hace una hora",
        "j'ai mal à la poitrine depuis ce matin",
        "ich habe Brustschmerzen seit heute früh",
    ],
}

MULTILINGUAL_URGENT = {
    "possible stroke (FAST)": [
        "mi madre tiene la boca torcida y no puede hablar",
        "mon mari a le visage paralysé d'un côté",
        "seit heute Morgen hängt sein Mundwinkel",
    ],
    "possible heart attack": [
        "un dolor muy fuerte en el pecho me baja al brazo izquierdo",
        "une douleur écrasante dans la poitrine, je transpire",
        "Schmerzen in der Brust, die in den linken Arm ziehen",
    ],
}

#: The main families beyond heart, stroke and suicide in the other languages the medical
#: model covers most (its training data: es, fr, de, pt, it), one case a language, in order.
MORE_LANGUAGES_URGENT = {
    "severe breathing difficulty": [
        "no puedo respirar bien y tengo los labios morados",
        "j'ai vraiment du mal à respirer et la ventoline ne fait rien",
        "ich ringe nach Luft und das Spray hilft nicht",
        "não consigo respirar direito e a bombinha não está ajudando",
        "non riesco a respirare e l'inalatore non mi aiuta",
    ],
    "possible anaphylaxis": [
        "comí cacahuetes y se me está cerrando la garganta",
        "après les crevettes ma gorge se serre et mes lèvres gonflent",
        "nach dem Wespenstich ist meine Zunge geschwollen",
        "depois do camarão minha língua está inchada e a garganta fechando",
        "dopo le noci ho la lingua gonfia e la gola si chiude",
    ],
    "severe bleeding or blood loss": [
        "me corté con el cuchillo y la sangre no para",
        "mon père vomit du sang depuis ce matin",
        "die Wunde hört nicht auf zu bluten, obwohl ich drücke",
        "meu filho está tossindo sangue",
        "mi sono tagliato e il sangue non si ferma",
    ],
    "sudden severe headache or meningitis signs": [
        "de repente el peor dolor de cabeza de mi vida",
        "mon fils a de la fièvre et la nuque raide",
        "plötzlich die schlimmsten Kopfschmerzen, wie ein Donnerschlag",
        "febre alta e pescoço rígido desde ontem",
        "ho la febbre e il collo rigido, non riesco a piegarlo",
    ],
    "overdose or poisoning": [
        "me he tomado 20 pastillas de paracetamol",
        "ma fille a avalé une pile bouton",
        "ich habe eine ganze Packung Schlaftabletten genommen",
        "meu filho bebeu água sanitária",
        "ho preso tutta la scatola di compresse",
    ],
    "self-harm": [
        "me corto los brazos a propósito cuando estoy mal",
        "je me scarifie encore, je n'y arrive plus",
        "ich ritze mich wieder",
        "eu me corto de propósito quando fico ansiosa",
        "mi taglio le braccia di nuovo",
    ],
    "fever or poor feeding in a young baby": [
        "mi bebé de 5 semanas tiene fiebre de 38,5",
        "mon bébé de 6 semaines a de la fièvre et ne boit plus",
        "unser 4 Wochen alter Säugling hat 38,6 Fieber",
        "meu bebê de 3 semanas está com febre",
        "il mio neonato ha la febbre a 38,4",
    ],
    "pregnancy warning signs": [
        "estoy embarazada de 12 semanas y estoy sangrando",
        "enceinte de 30 semaines, je saigne depuis une heure",
        "ich bin schwanger und habe eine Blutung",
        "estou grávida e tenho sangramento",
        "sono incinta e ho perdite di sangue",
    ],
}

#: Their confusables in the same languages: negation, general questions and helping someone,
#: old episodes, figures of speech, everyday words ("sangría", a baby who feeds well).
MORE_LANGUAGES_NOT_URGENT = [
    "no tengo fiebre y respiro bien",
    "pas de sang dans les selles",
    "keine Blutung, nur leichte Krämpfe",
    "não tenho febre",
    "non ho febbre",
    "¿cuáles son los síntomas de la anafilaxia?",
    "quels sont les signes de la méningite ?",
    "wie kann ich meiner Tochter helfen, die sich selbst verletzt?",
    "como ajudar alguém com automutilação?",
    "articolo interessante sull'autolesionismo negli adolescenti",
    "hace 5 años tuve un shock anafiláctico con las nueces",
    "il y a 3 ans j'ai fait une overdose, aujourd'hui je vais bien",
    "vor zwei Jahren hatte ich eine Blutung in der Schwangerschaft",
    "me muero de risa con este vídeo",
    "ce gâteau est à tomber",
    "ich bin total erschöpft nach dem Training",
    "essa receita é de morrer de boa",
    "questo tiramisù è da morire",
    "mi bebé tiene 5 meses y duerme poco",
    "la sangria estaba deliciosa",
    "ho tagliato le cipolle per il sugo",
    "meu bebê de 3 semanas dorme bem e mama bem",
]

NOT_URGENT = {
    "negation": [
        "no shortness of breath, no chest pain, just a sore calf",
        "I'm not suicidal, just very tired of this injury",
        "no tengo dolor en el pecho",
        "pas de douleur thoracique",
        "keine Brustschmerzen",
        "não tenho dor no peito",
        "non ho dolore al petto",
    ],
    "past and resolved": [
        "I had a stroke in 2012 and I'm fully recovered now",
        "years ago I self-harmed, therapy helped a lot",
        "ho avuto un ictus nel 2010, ora sto bene",
        "tive um AVC em 2015",
    ],
    "family history": [
        "my uncle died of a heart attack at 50",
        "heart disease runs in my family, which oils are best?",
        "mio nonno è morto di infarto",
        "meu avô morreu de infarto",
    ],
    "hypothetical": [
        "what if my baby gets a fever on holiday?",
        "in case someone is choking at dinner what do I do",
    ],
    "figurative": [
        "these burpees are killing me",
        "I'm dying to make this again",
        "this lasagne is to die for",
        "that spicy curry took my breath away",
        "I nearly died laughing at the video",
        "me muero de ganas de probarlo",
        "je meurs de faim",
        "ich sterbe vor Hunger",
    ],
    "education": [
        "what are the signs of sepsis in adults?",
        "how is a stroke different from a heart attack?",
        "can metformin cause low blood sugar?",
        "what are suicide rates among farmers?",
    ],
    # A long-standing condition, a reading or dose that is no emergency, a condition asked
    # about by name: real lay health questions look like this far more often than like danger.
    "long-standing or general": [
        "I've had angina for years, is beetroot juice ok with my tablets?",
        "chronic chest pain from costochondritis, which stretches help?",
        "my chest hurts when I cough since this cold, any remedy?",
        "my right eyelid droops by the evening, could it be myasthenia?",
        "I take metformin 850mg twice a day, can I still eat dates?",
        "my sugar reading is 85 before breakfast, is that fine for a diabetic?",
        "my friend is 42 years old and has type 1 diabetes, which diet suits him?",
        "she has had weakness on her left side for 20 years after a stroke, is swimming ok?",
        "is it legal for someone who is dying to want to die with dignity?",
        "Is it common to have urine incontinence with a UTI?",
        "I overdosed on antihistamines a few months ago; could it have harmed my nerves?",
    ],
    "ordinary": [
        "lovely photos of the lake",
        "my legs ached after the long run, normal?",
        "I cut the onions thinner this time",
        "I'm tired of living with my in-laws",
        "I want this pain to stop, which stretch helps most?",
        "the bread came out black on the bottom",
    ],
}


def _urgent(text: str) -> tuple[bool, set[str]]:
    result = triage(Comment(content=text), UNSCORED, threshold=0.5)
    return result.urgent, {r.title for r in result.reasons if r.code == "red_flag"}


@pytest.mark.parametrize(
    ("flag", "text"),
    [
        (flag, text)
        for source in (URGENT, MULTILINGUAL_URGENT, MORE_LANGUAGES_URGENT)
        for flag, texts in source.items()
        for text in texts
    ],
)
def test_an_emergency_is_urgent_without_a_question_naming_its_flag(flag, text):
    """Statements and questions alike: urgent on the red flag alone, the flag named."""
    urgent, titles = _urgent(text)
    assert urgent, text
    assert titles, text
    if flag not in ("chest pain", "possible heart attack"):
        assert flag in titles
    else:  # chest pain is named by either cardiac flag
        assert titles & {"chest pain", "possible heart attack"}


@pytest.mark.parametrize(
    "text", [text for texts in NOT_URGENT.values() for text in texts] + MORE_LANGUAGES_NOT_URGENT
)
def test_confusable_comments_are_not_urgent(text):
    """Negation, past, family, hypotheticals, figures of speech and education: no alarm."""
    assert _urgent(text) == (False, set())


def test_an_urgent_triage_needs_a_reply_and_gives_its_reasons():
    """Urgency makes a reply needed and each reason carries code, message, evidence, title."""
    result = triage(Comment(content="my face droops on the left"), UNSCORED, threshold=0.5)
    assert result.urgent and result.needs_reply
    flag = next(r for r in result.reasons if r.code == "red_flag")
    assert flag.title and flag.message and flag.evidence


def test_a_symptom_in_the_middle_of_a_long_chatty_comment_is_found():
    """The sign buried in a long friendly comment, lower case and with typos."""
    text = (
        "hi! been following the blog for ages and the lentil soup is a staple now. "
        "we had the in-laws over at the weekend and it went down a treat. "
        * 5
        + "anyway sorry to ramble but half my face has gone droopy in the last hour and my "
        "arm feels wierd. " + "the kids say hi and we will try the cake next. " * 5
    )
    assert _urgent(text)[0]


def _titles(result) -> list[str]:
    """Return the names of the red flags a triage found."""
    return [r.title for r in result.reasons if r.code == "red_flag"]


def test_back_pain_flags_need_a_back():
    """'Weak' or 'bladder' alone is no back-pain red flag, even in a health question; weakness
    growing over days is a red flag of its own, and the back makes a weak leg one."""
    question = Score(0.9, ())
    text = "my leg has got weaker over two weeks and I trip on stairs now"
    assert "progressive weakness or numbness" in _titles(
        triage(Comment(content=text), question, 0.5)
    )
    for calm in (
        "he has been weakening our democracy for ten years",
        "Would it possible be a gal bladder issue",
        "steroids have caused weakness of his leg muscles, what can he take?",
    ):
        assert not triage(Comment(content=calm), question, 0.5).urgent, calm
    back = "my lower back is agony and my right leg has gone weak, I keep falling"
    assert triage(Comment(content=back), UNSCORED, 0.5).urgent
