"""Training and evaluating the medical-question detector, with its card and report.

The corpus is real text: lay health questions (MeQSum, K-QA) against real questions
that are not about health (TREC, Cooking and Stack Exchange titles) and real comments
that ask nothing (YouTube, ScamSpot, SMS), with our hand-written ``training_data/`` as
one source among several. Their artifacts are neutralised before use (see
``../shared/datasets/README.md``); validation-only corpora are never fitted on.

Real sources are measured leave-one-source-out and the threshold is chosen on those
scores; our corpus is split by a hash of the text and reported apart. The modules
follow the work: `examples` (the corpus, neutralised and split), `fitting` (weights,
features, classifier, threshold, card), `targets` (the threshold on leave-one-source-out
scores, per-source figures), `evaluation` (our held-out figures, the validation-only sets, artifact
checks), `report` (the page).
"""

from moderator.training.medical.evaluation import evaluate
from moderator.training.medical.examples import default_sources, validation_sources
from moderator.training.medical.fitting import train

__all__ = ["default_sources", "evaluate", "train", "validation_sources"]
