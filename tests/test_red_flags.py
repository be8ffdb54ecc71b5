"""Red flags: each reviewed sign, lay and other-language wordings, negation, hypotheticals,
relatives, old episodes, and a bounded answer on repeated phrases."""

from __future__ import annotations

import pytest

from moderator.red_flags import find_red_flags


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "Since Monday I've had numbness in my groin and back pain, should I wait?",
            "saddle_numbness",
        ),
        ("Both sides of my bottom are numb after my back went, is that normal?", "saddle_numbness"),
        ("I keep wetting myself since the sciatica started, what's happening?", "bladder_bowel"),
        ("My dad hasn't passed urine since last night after slipping a disc.", "bladder_bowel"),
        ("My left leg is getting weaker every day, is this the disc?", "leg_weakness"),
        ("My foot keeps dragging since Tuesday and my back aches.", "leg_weakness"),
        ("Since Sunday my foot just won't do what I want and my back aches.", "leg_weakness"),
        (
            "I have a fever of 38.5 and my lower back hurts, flu or something else?",
            "fever_back_pain",
        ),
        ("Lost 8 kg without trying and my back aches every day. Should I worry?", "weight_loss"),
        ("I fell off a ladder yesterday and now my back is really painful. Ice?", "trauma"),
        ("Car accident on Friday, my neck is stiff and sore. Can I stretch?", "trauma"),
        ("I had breast cancer five years ago and now have new lower back pain.", "cancer_history"),
        ("My mum had bowel cancer and now she has new back pain, is it back?", "cancer_history"),
        (
            "Had a melanoma removed three years ago, now a pain in my neck for five weeks. Worry?",
            "cancer_history",
        ),
        ("I get chest pain when I climb stairs, should I keep training?", "chest_pain"),
        ("Pain spreading into my left arm when I walk uphill, muscular?", "chest_pain"),
        ("My back pain wakes me every night and doesn't ease with rest.", "night_pain"),
        ("My inner thighs feel kind of dead when I wipe, sciatica again.", "saddle_numbness"),
        ("Desde ayer no controlo bien la orina y me duele la espalda, ¿qué hago?", "bladder_bowel"),
        ("Did I lose a stone in 6 weeks without changing anything? My back aches.", "weight_loss"),
        ("Got rear-ended yesterday and today my upper back is screaming. Stretches?", "trauma"),
        ("My lower back pain is there all night, whatever I do. Is that normal?", "night_pain"),
    ],
)
def test_each_red_flag_is_found(text, code):
    """Each reviewed red flag matches in plain words and shows its evidence."""
    matches = find_red_flags(text)
    assert code in [m.code for m in matches]
    match = next(m for m in matches if m.code == code)
    assert match.evidence and all(word.lower() in text.lower() for word in match.evidence)
    assert match.rationale


@pytest.mark.parametrize(
    "text",
    [
        "No numbness down there and my bladder is fine. Is stretching ok?",
        "I have back pain but never had fever, is it muscular?",
        "My bladder control is fine, but my lower back hurts.",
        "No problems with my bladder or bowels, just stiffness.",
        "No fever, no numbness, no weakness, just stiffness in my lower back.",
        "What if I get chest pain during the workout?",
        "My mum had breast cancer and I have lower back pain, should I stretch?",
        "I lost 10 pounds on keto, what should I eat now?",
        "I fell asleep on the couch and woke up with neck pain.",
        "Any advice for keto flu? I feel like I've been hit by a bus.",
        "I know foot drop is serious so I checked, I can walk on my heels no problem.",
        "My chest pain is gone now, can I go back to the gym?",
        "I haven't had any chest pain or tingling, only a stiff upper back.",
        # negation in French, German, Spanish, Italian, Portuguese, Dutch and Polish
        "Pas de fièvre, pas d'engourdissement, juste mal au dos le matin. Des exercices ?",
        "Je n'ai jamais eu de fièvre, seulement une douleur au bas du dos. Étirements ?",
        "Je n'ai plus de fièvre depuis hier, mais j'ai toujours un peu mal au dos. Je reprends ?",
        "Kein Fieber, kein Gewichtsverlust, nur Rückenschmerzen beim Sitzen. Welche Übungen?",
        "Ich habe keine Taubheit zwischen den Beinen, nur Rückenschmerzen. Ist das ok?",
        "No tengo fiebre ni hormigueo, solo dolor de espalda al levantarme. ¿Qué ejercicios?",
        "Sin fiebre y sin pérdida de peso, solo me duele la espalda. ¿Estiramientos?",
        "Non ho febbre e non sento formicolio, solo mal di schiena. Quali esercizi?",
        "Senza febbre, solo mal di schiena da due giorni. Posso correre?",
        "Não tenho febre, só dor nas costas de manhã. Que exercícios?",
        "Geen koorts en geen gevoelloosheid, alleen rugpijn. Welke oefeningen?",
        "Nie mam gorączki, tylko ból pleców rano. Jakie ćwiczenia?",
        # hypotheticals and general questions
        "If I ever lost feeling down below with my disc, what would you tell me to do?",
        "What should I do if my leg gets weak after the operation?",
        "If your back pain comes with a fever, do you always need antibiotics?",
        "Can sciatica cause foot drop? My physio mentioned it, mine is just leg pain.",
        # a relative's cancer, and a benign tumour
        "Mum had lung cancer, not me. My back aches after gardening, exercises?",
        "My mother-in-law had breast cancer years ago; I just have desk-job back ache. Stretches?",
        "Ma mère a eu un cancer du sein et j'ai mal au dos, dois-je m'inquiéter ?",
        "Had a benign tumour removed from my wrist, now my lower back aches from lifting. Tips?",
        "Since my chemo the new app at work is a pain in the neck, any tips for screen breaks?",
        # an old episode told as a story
        "I had chest pain back in 2015, it was reflux. Now I'd like a stretching routine?",
        "I used to get night sweats on the old meds, now fine. Best mattress for back pain?",
    ],
)
def test_negated_hypothetical_or_others_red_flags_do_not_match(text):
    """Negated ("no", "never", "is fine", "pas de", "kein", "sin"), hypothetical, relatives' and
    long-past signs are not flags."""
    assert find_red_flags(text) == []


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "Since the weekend it's like sitting on a pillow that isn't there, can't feel my bum.",
            "saddle_numbness",
        ),
        (
            "I can't feel the toilet paper when I wipe since my back went, is that odd?",
            "saddle_numbness",
        ),
        (
            "Since my back went my groin feels sort of dull, like it's wrapped in cling film. Ok?",
            "saddle_numbness",
        ),
        (
            "Sciatica since Sunday and now I can't stand on tiptoe on the left. Normal?",
            "leg_weakness",
        ),
        (
            "Only a trickle comes out when I pee and my sciatica is worse, what now?",
            "bladder_bowel",
        ),
        (
            "I keep dribbling into my underwear without noticing since the disc went.",
            "bladder_bowel",
        ),
        ("My foot keeps flopping when I walk and my back is sore, pulled muscle?", "leg_weakness"),
        ("I'm catching my toes on every step and the foot won't lift properly.", "leg_weakness"),
        ("My left leg folds on me going downstairs, more often each day.", "leg_weakness"),
        (
            "My jeans are on the last notch of my belt and my back aches, not dieting at all.",
            "weight_loss",
        ),
        ("My neck has ached non-stop day and night for weeks, should I rest it?", "night_pain"),
        ("Fell off the trampoline on Sunday and my back is getting worse, ok to swim?", "trauma"),
        (
            "Tengo fiebre y dolor de espalda desde ayer, ¿puedo hacer los ejercicios?",
            "fever_back_pain",
        ),
        (
            "Seit gestern kein Gefühl zwischen den Beinen und Rückenschmerzen, was tun?",
            "saddle_numbness",
        ),
        ("Ho avuto un cancro al seno e ora ho mal di schiena nuovo, è normale?", "cancer_history"),
        (
            "J'ai une douleur dans la poitrine quand je monte les escaliers, c'est grave ?",
            "chest_pain",
        ),
        ("Desde el lunes el pie izquierdo no se levanta y tropiezo, ¿qué hago?", "leg_weakness"),
        (
            "Since my disc went my lady bits feel numb and I can't feel the tissue, is that bad?",
            "saddle_numbness",
        ),
        (
            "It's like I'm sat on a rolled-up towel, numb where I sit, since the sciatica flared.",
            "saddle_numbness",
        ),
        (
            "My husband says he's lost the feeling in his testicles since his back went on Friday.",
            "saddle_numbness",
        ),
        (
            "Seit gestern ist mein Po ganz taub und der Rücken tut weh, was soll ich tun?",
            "saddle_numbness",
        ),
        (
            "Desde anoche no siento nada en mis partes íntimas y me duele la espalda, ¿es grave?",
            "saddle_numbness",
        ),
        (
            "Je ne sens plus rien entre les jambes depuis hier, avec mal au dos. Urgent ?",
            "saddle_numbness",
        ),
        (
            "I couldn't go for a wee all day even though I'm bursting, and my back's agony. Go in?",
            "bladder_bowel",
        ),
        (
            "Struggling to start weeing since Monday, back pain too, what's going on?",
            "bladder_bowel",
        ),
        (
            "Depuis hier je me suis fait dessus deux fois sans le sentir, et j'ai une sciatique.",
            "bladder_bowel",
        ),
        (
            "I keep scuffing my toes on the pavement since the sciatica started. Why?",
            "leg_weakness",
        ),
        (
            "My left foot flops down when I walk and I can hear it slap. Normal?",
            "leg_weakness",
        ),
        (
            "Mein Bein knickt immer wieder weg und der Rücken schmerzt, soll ich zum Arzt?",
            "leg_weakness",
        ),
        (
            "Mi pierna derecha está cada vez más débil desde hace una semana, ¿qué hago?",
            "leg_weakness",
        ),
        (
            "I've been burning up all night and my lower back is agony, flu or kidneys?",
            "fever_back_pain",
        ),
        (
            "Woke up drenched three nights running and my mid back aches constantly. A muscle?",
            "fever_back_pain",
        ),
        (
            "Ich habe Schüttelfrost und Rückenschmerzen seit gestern, ist das normal?",
            "fever_back_pain",
        ),
        ("I have non-specific back pain and a fever of 38.5, what now?", "fever_back_pain"),
        (
            "My trousers are falling down, I haven't been trying to lose weight, and my back aches",
            "weight_loss",
        ),
        (
            "He adelgazado ocho kilos sin hacer dieta y me duele la espalda, ¿debo preocuparme?",
            "weight_loss",
        ),
        (
            "J'ai maigri de six kilos sans rien changer et j'ai mal au dos, est-ce grave ?",
            "weight_loss",
        ),
        (
            "Went flying off my bike yesterday, landed on my back, it's so painful to move. X-ray?",
            "trauma",
        ),
        (
            "Gran slipped in the shower and landed on her bottom, now she can't get up. Help?",
            "trauma",
        ),
        (
            "Bin gestern vom Fahrrad gestürzt und der Rücken tut richtig weh, darf ich trainieren?",
            "trauma",
        ),
        ("Me resbalé en la ducha ayer y me duele mucho la espalda, ¿qué hago?", "trauma"),
        (
            "I had a melanoma cut out three years ago and now my back aches every day. Mention it?",
            "cancer_history",
        ),
        (
            "Had my kidney taken out because of a tumour in 2019, now a new pain low in my back.",
            "cancer_history",
        ),
        (
            "Przeszłam chemię dwa lata temu, a teraz boli mnie kręgosłup, co robić?",
            "cancer_history",
        ),
        (
            "J'ai eu un lymphome il y a cinq ans et maintenant mal au dos depuis un mois. Grave ?",
            "cancer_history",
        ),
        (
            "There's a band tightening round my chest when I climb the stairs, is it my posture?",
            "chest_pain",
        ),
        ("Me duele el pecho cuando camino rápido y se me va al brazo, ¿es muscular?", "chest_pain"),
        (
            "Ich habe Schmerzen in der Brust beim Treppensteigen, kommt das vom Rücken?",
            "chest_pain",
        ),
        (
            "My back wakes me most nights and rest doesn't help at all, what could it be?",
            "night_pain",
        ),
        (
            "The ache in my lower back hasn't eased with rest for weeks, it's constant. Scan?",
            "night_pain",
        ),
        (
            "Mi fa male la schiena ogni notte, non trovo una posizione. Cosa può essere?",
            "night_pain",
        ),
        ("Me duele la espalda toda la noche desde hace un mes, ¿qué puede ser?", "night_pain"),
    ],
)
def test_lay_and_other_language_red_flags_are_found(text, code):
    """Red flags in a reader's own words and in other languages still match."""
    assert code in [m.code for m in find_red_flags(text)]


@pytest.mark.parametrize(
    "text",
    [
        "I've had nightmares since a car crash three years ago, could the stretches help me relax?",
        "I slipped on the stairs last month, a tiny tumble and nothing hurt, is the click related?",
        "Both legs felt weak after yesterday's long hike but fine the next day, any tips?",
        "My calves feel weak after leg day, just tired muscles, how many rest days do I need?",
        "My knee gave way just the once when I twisted it at football, no weakness since. Play?",
        "Had a bad tumble skiing three winters ago and my back still twinges in the cold. Tips?",
        "My heart attack at 52 was a wake-up call, so which stretches suit my stiff upper back?",
    ],
)
def test_old_or_harmless_accidents_and_passing_tiredness_are_not_flags(text):
    """Trauma needs a recent injury with pain; leg weakness must persist, not pass overnight
    or give way once after a twist; an episode dated years back is a story."""
    assert find_red_flags(text) == []


def test_a_toilet_accident_is_a_bladder_flag_not_trauma():
    """ "An accident in my knickers" is incontinence, not a crash."""
    text = "Had an accident in my knickers at work and didn't feel it, my sciatica is awful."
    assert [m.code for m in find_red_flags(text)] == ["bladder_bowel"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "Night sweats and back pain all week, had a kidney infection back in 2019, "
            "could it be that again?",
            "fever_back_pain",
        ),
        ("Chest pain that started in 2026 and is getting worse, should I worry?", "chest_pain"),
        ("My foot drop is worse than it was in 2023, what should I do?", "leg_weakness"),
        (
            "Numb down there and can't feel the toilet paper, as a teenager I had a disc op. "
            "Is it related?",
            "saddle_numbness",
        ),
        (
            "I've had night sweats and back pain, nothing like when I was 20, is it serious?",
            "fever_back_pain",
        ),
        ("I've got symptoms like numbness down there since Monday, help?", "saddle_numbness"),
        (
            "My mum had breast cancer and I had a melanoma removed last year, now my back "
            "aches, what should I do?",
            "cancer_history",
        ),
    ],
)
def test_a_current_sign_beside_an_old_date_or_an_aside_stays_a_flag(text, code):
    """Only a date attached to the sign dates it, and the reader's own history wins over a
    relative's mentioned first: a missed emergency costs the most."""
    assert code in [m.code for m in find_red_flags(text)]


@pytest.mark.parametrize(
    "text",
    ["no chest pain " * 4500 + "?", "fever and back pain, " * 600 + "?", "numb groin " * 900],
)
def test_repeated_phrases_end_with_a_bounded_answer(text):
    """Thousands of repeated sign words still give one answer per flag, at most."""
    codes = [m.code for m in find_red_flags(text)]
    assert len(codes) == len(set(codes))
