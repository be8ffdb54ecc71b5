"""Training and evaluating the medical-question detector, with its card and report.

The corpus is our hand-written ``training_data/`` plus, when present, two public sets
whose artifacts are neutralised before use (see ``../shared/datasets/README.md``):
MeQSum lay health questions (positives) and TREC trivia questions (negatives).

Every corpus is split by a hash of the text, so the held-out part is the same on every
run and never trained on; the shipped model is fitted on the training part only, and
the card's figures are the held-out ones. The modules follow the work: `examples` (the
corpus, neutralised and split), `fitting` (weights, features, classifier, threshold,
card), `evaluation` (the held-out figures and artifact checks), `report` (the page).
"""

from moderator.training.medical.evaluation import evaluate
from moderator.training.medical.examples import default_sources
from moderator.training.medical.fitting import train

__all__ = ["default_sources", "evaluate", "train"]
