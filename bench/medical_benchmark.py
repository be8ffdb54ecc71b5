"""Benchmark the shipped medical-question detector at its shipped threshold.

Prints, never gates. First the real sources, leave-one-source-out (each held out in
turn and scored by a model fitted without it, its figure at a threshold chosen without
it: recall on health questions, false flags on the others), as the training run
measured them and the card records them; the calibration of those held-out scores and
the source-discrimination audit; the validation-only sets scored once with the shipped
model (COVID-Q, COVID-Dialogue, MedicationQA recall; C3 share flagged). Then, apart,
our written corpus: precision/recall/F1 on its held-out part, urgent recall and false
alarms, the artifact checks (layout, length, tokenisation), and the newer files'
held-out parts on their own (reader questions, under-represented medical questions).
Then a probe of
fresh comments written for this benchmark only, and the independent probe file
`bench/data/medical_probe.jsonl` (400 comments by a writer who saw neither the
vocabularies, the training data nor the models): the closest we have to "never seen
anywhere".

    .venv/bin/python bench/medical_benchmark.py [--models models] [--report DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from moderator.core.comment import Comment  # noqa: E402
from moderator.medical.model import load_medical_model  # noqa: E402
from moderator.training.medical import (  # noqa: E402
    default_sources,
    evaluate,
    validation_sources,
)

#: Comments written for evaluation only, by a helper who saw neither the vocabularies, the
#: training data nor the models. The medical figures on it are independent; the red-flag
#: vocabulary was revised once after its first run (urgent recall then 30/40 with the
#: model of that day), so its urgent figure no longer is.
PROBE_FILE = ROOT / "bench" / "data" / "medical_probe.jsonl"
#: Fresh reader questions that are not medical, from all kinds of blogs.
PROBE_NON_MEDICAL = [
    "Does this work on the M2 MacBook Air or only on Intel?",
    "What lens did you use for the portrait shots?",
    "How do I stop the build from failing when the cache is cold?",
    "Is the recipe ok with oat milk instead of whole milk?",
    "Which hiking boots would you take for the Dolomites in October?",
    "Can I still register for the webinar if I missed the deadline?",
    "Why does my sourdough starter smell like nail polish?",
    "How long did the drive from Lisbon to Porto take you?",
    "Do you ship the resistance bands to Ireland, and how much is postage?",
    "Could you do a follow-up post on standing desks for small flats?",
    "The link to the printable stretching plan is broken, can you fix it?",
    "Is there a discount for students on the pilates course?",
    "What font is the blog using? It's so readable.",
    "How do you keep the basil alive on a north-facing windowsill?",
    "Should I use Postgres or SQLite for a small side project like this?",
    "Is the foam roller in the photo the soft or the firm one?",
    "What time does the clinic open on Saturdays?",
    "Can I pay for the physio package in instalments?",
    "Any tips for getting a toddler to sleep on a long-haul flight without a screaming fit?",
    "Where did you buy the yoga mat in the video?",
]
#: Fresh readers' health questions in many forms, including buried and unmarked ones.
PROBE_MEDICAL = [
    "My ankle still swells up every evening three weeks after I rolled it. Is that normal?",
    "Is it safe to keep running with shin splints if I ice afterwards?",
    "I'd like to know whether heat or ice is better for a pulled hamstring",
    "Been on sertraline for two months and my sleep is awful. Could that be the tablets?",
    "My blood test says my ferritin is 9. What does that mean for my tiredness?",
    "Long story short, the physio said my knee pain is patellofemoral, I've done the exercises "
    "for six weeks, it's better going up stairs but worse going down. Should I push on or "
    "get a scan?",
    "what can i do about cramps in my calves at night, they wake me up",
    "Can I take ibuprofen with my blood pressure tablets?",
    "Do you think my tingling fingers could be from my neck?",
    "Any advice for plantar fasciitis that hasn't improved with insoles?",
    "my daughter (9) keeps getting headaches after school, should we see the GP or is it "
    "screen time",
    "How long should I wait after a cortisone injection before I start lifting again?",
    "Is it ok to do these stretches while pregnant? I'm 24 weeks.",
    "I have had a dull ache in my lower back for 3 months, worse in the morning and better "
    "after moving around. Wondering if it could be inflammatory",
    "Should I be worried that my heart rate goes up to 180 on easy runs?",
]


def _pct(value) -> str:
    """Format a share as a percentage, or n/a."""
    return "n/a" if value is None else f"{100 * value:.1f}%"


def main(argv=None) -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=ROOT / "models")
    parser.add_argument("--report", type=Path, default=None)
    args = parser.parse_args(argv)
    sources = default_sources(ROOT)
    started = time.time()
    m = evaluate(sources, args.models, args.report, validation=validation_sources(ROOT))
    model = load_medical_model(args.models)
    print(f"model {m['model_version']}  threshold {m['threshold']:.2f}")
    print("sources: " + ", ".join(str(s) for s in sources))
    real_sources(m)
    ours = m["ours_held_out"]
    print("\nour written corpus (reported apart; it never chooses the threshold)")
    print(
        f"ours held out (genuine): precision {ours['precision']:.3f}  recall "
        f"{ours['recall']:.3f}  F1 {ours['f1']:.3f}  (n={ours['comments']}, "
        f"fp={ours['false_positives']}, fn={ours['false_negatives']})"
    )
    spam = m["ours_held_out_spam_counted"]
    print(
        f"ours held out, spam counted as negatives: precision {spam['precision']:.3f} "
        f"recall {spam['recall']:.3f}  (spam flagged by the model alone: "
        f"{_pct(m['spam_flagged_by_model']['rate'])}; the decision layer clears it)"
    )
    nonmed = m["non_medical_question_false_flags"]
    print(f"false flags on non-medical reader questions: {_pct(nonmed['rate'])} (n={nonmed['n']})")
    for family, row in nonmed["by_family"].items():
        print(f"  {family}: {_pct(row['rate'])} (n={row['n']})")
    for key, label in (
        ("meqsum_recall", "MeQSum recall (layout stripped, cut to comment length)"),
        ("meqsum_full_length_recall", "MeQSum recall (layout stripped, full length)"),
        ("meqsum_supplier_recall", "MeQSum supplier/manufacturer questions flagged"),
    ):
        if key in m:
            print(f"{label}: {_pct(m[key]['recall'])} (n={m[key]['n']})")
    for key, label in (
        ("trec_false_flags", "TREC false flags (trivia, medical trivia excluded)"),
        ("trec_medical_false_flags", "TREC medical trivia flagged (ENTY:dismed etc.)"),
    ):
        if key in m:
            print(f"{label}: {_pct(m[key]['rate'])} (n={m[key]['n']})")
    urgent = m["urgent"]
    print(
        f"\nurgent recall (held out): {_pct(urgent['recall'])} (n={urgent['n']}); urgent false "
        f"alarms: {_pct(urgent['false_alarms'])} of {urgent['non_urgent']} non-urgent, "
        f"{_pct(urgent['false_alarms_among_medical_questions'])} of non-urgent medical questions"
    )
    print(
        "\nnewer files, hash held-out part (the red-flag vocabulary was revised against their "
        "training part only):"
    )
    for name, row in m.get("newer_files", {}).items():
        parts = [f"n={row['n']}"]
        for key, label in (
            ("medical_recall", "medical recall"),
            ("medical_recall_other_language", "other-language recall"),
            ("false_flags", "false flags"),
            ("false_flags_other_language", "other-language false flags"),
            ("urgent_recall", f"urgent recall (n={row['urgent_n']})"),
            ("urgent_false_alarms", "urgent false alarms"),
            ("rules_urgent_recall", "rules alone urgent recall"),
            ("rules_false_alarms_on_non_urgent", "rules alone false alarms"),
        ):
            if row.get(key) is not None:
                parts.append(f"{label} {_pct(row[key])}")
        print(f"  {name}: " + "; ".join(parts))
    rules = m["red_flag_rules_all_ours"]
    print(
        f"red-flag rules on all our comments (vocabulary reviewed against them, so optimistic): "
        f"recall {_pct(rules['recall_on_urgent'])} of {rules['n_urgent']} urgent; hits on "
        f"non-urgent medical questions {_pct(rules['hits_on_non_urgent_medical_questions'])}"
    )
    checks = m["artifact_checks"]
    print("\nartifact checks")
    for key in (
        "meqsum_layout_mean_abs_score_change",
        "meqsum_layout_mean_score_change",
        "meqsum_layout_max_abs_score_change",
        "meqsum_layout_flag_agreement",
        "trec_tokenisation_mean_abs_score_change",
    ):
        if key in checks:
            print(f"  {key}: {checks[key]:+.4f}")
    for bucket, row in checks.get("by_length", {}).items():
        parts = []
        for name, figures in row.items():
            value = figures.get("recall", figures.get("false_flags"))
            kind = "recall" if "recall" in figures else "false flags"
            parts.append(f"{name} {kind} {_pct(value)} (n={figures['n']})")
        print(f"  {bucket}: " + "; ".join(parts))
    print("\nprobe: fresh comments written for this benchmark only")
    for label, texts, want in (
        ("non-medical reader questions flagged", PROBE_NON_MEDICAL, False),
        ("health questions flagged", PROBE_MEDICAL, True),
    ):
        triages = model.triage_many([Comment(content=t) for t in texts])
        hits = [t.needs_reply for t in triages]
        print(f"  {label}: {sum(hits)}/{len(texts)}")
        for text, triage in zip(texts, triages, strict=True):
            if triage.needs_reply != want:
                print(f"    {triage.medical_score:.2f}  {text[:90]}")
    independent_probe(model)
    print(f"\n({time.time() - started:.0f} s)")
    return 0


def real_sources(m: dict) -> None:
    """Print the leave-one-source-out figures, the audits and the validation-only sets."""
    loso = m.get("leave_one_source_out")
    if not loso:
        print("\nno real sources: the model was trained on our corpus alone")
        return
    print("\nreal sources, leave-one-source-out (threshold chosen without the source)")
    for source, row in loso["by_source"].items():
        name = "recall" if "recall" in row else "false_flags"
        print(
            f"  {source:28} n={row['n']:5}  {name.replace('_', ' ')} {_pct(row[name])} at "
            f"{row['own_threshold']:.2f}, {_pct(row[name + '_at_shipped_threshold'])} at the "
            f"shipped threshold  ({row['target']}: {'met' if row['met'] else 'NOT met'})"
        )
    cuts = loso.get("at_cuts", {})
    if cuts:
        print("  the trade-off: each source's held-out recall / false flags at round cut-offs")
        print("  " + " " * 28 + "".join(f"{cut:>8}" for cut in cuts))
        for source in loso["by_source"]:
            print(
                f"  {source:28}" + "".join(f"{_pct(row.get(source)):>8}" for row in cuts.values())
            )
    calibration = loso["calibration"]
    print(
        f"calibration of the held-out real scores: ECE {calibration['ece']}, Brier "
        f"{calibration['brier']} (n={calibration['examples']})"
    )
    for cls, row in m.get("source_discrimination", {}).items():
        print(f"source discrimination within {cls}: AUC {row['auc']}")
        for source, auc in row.get("by_source", {}).items():
            print(f"    {source}: {auc}")
    print("validation-only sets, scored once with the shipped model (never tuned on):")
    for name, row in m.get("validation_only_sets", {}).items():
        if "recall" in row:
            print(f"  {name}: recall {_pct(row['recall'])} (n={row['n']})")
            for source, part in row.get("recall_by_source", {}).items():
                print(f"    {source}: {_pct(part['recall'])} (n={part['n']})")
        else:
            print(f"  {name}: flagged {_pct(row['flagged'])} (n={row['n']}; {row['note']})")


def independent_probe(model) -> None:
    """Print the figures on `PROBE_FILE`: 400 comments written by a helper who saw neither the
    vocabularies, the training data nor the models (220 health questions, 40 urgent)."""
    rows = [json.loads(line) for line in PROBE_FILE.read_text(encoding="utf-8").splitlines()]
    comments = [Comment(content=r["content"], post_title=r.get("post_title", "")) for r in rows]
    triages = model.triage_many(comments)
    medical = np.array([r["medical_question"] for r in rows])
    urgent = np.array([r["urgent"] for r in rows])
    flagged = np.array([t.needs_reply for t in triages])
    alarms = np.array([t.urgent for t in triages])
    tp = int((flagged & medical).sum())
    print(f"\nindependent probe ({PROBE_FILE.name}, n={len(rows)}, {int(medical.sum())} questions)")
    print(
        f"  precision {tp / max(int(flagged.sum()), 1):.3f}  recall {tp / int(medical.sum()):.3f}"
        f"  urgent recall {int(alarms[urgent].sum())}/{int(urgent.sum())}"
        f"  urgent false alarms {int(alarms[~urgent].sum())}/{int((~urgent).sum())}"
    )
    groups = dict.fromkeys(r["group"] for r in rows)
    for group in groups:
        rows_in = np.array([r["group"] == group for r in rows])
        print(f"  {group}: flagged {int(flagged[rows_in].sum())}/{int(rows_in.sum())}")


if __name__ == "__main__":
    raise SystemExit(main())
