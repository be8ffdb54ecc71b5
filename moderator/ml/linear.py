"""One calibrated linear scorer: a logistic regression behind a sigmoid calibration.

Both shipped models end in a fitted `CalibratedClassifierCV(method="sigmoid",
ensemble=False)`, which computes

    P = expit(-(a * (coef . x + intercept) + b))

`Pipeline.predict_proba` spends about a millisecond per call validating its input,
whatever the batch size; a comment arriving through the API needs one dot product. So
the models read these four numbers once, here, and score with them directly: the
arithmetic is scikit-learn's (the models' tests hold it equal to the pipeline's).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from moderator.ml.modelfile import ModelError


class CalibratedLinear:
    """The weights and sigmoid calibration of a fitted single-calibrator classifier."""

    def __init__(self, classifier, model_name: str):
        """Read `classifier`, raising ModelError when it is not a fitted sigmoid
        `CalibratedClassifierCV` holding one linear model and one calibrator."""
        if getattr(classifier, "method", None) != "sigmoid":
            raise ModelError(
                f"the {model_name} model file's classifier is not sigmoid-calibrated; retrain it"
            )
        try:
            (calibrated,) = classifier.calibrated_classifiers_
            (calibrator,) = calibrated.calibrators
            linear = calibrated.estimator
            self.coef = np.asarray(linear.coef_, dtype=np.float64).ravel()
            self.intercept = float(np.ravel(linear.intercept_)[0])
            self.a, self.b = float(calibrator.a_), float(calibrator.b_)
        except (AttributeError, IndexError, TypeError, ValueError) as exc:
            raise ModelError(
                f"the {model_name} model file does not hold one sigmoid-calibrated linear "
                f"classifier ({exc}); retrain it"
            ) from exc
        #: d(log-odds of P) / d(decision value): contributions in the units of P's log-odds.
        self.log_odds_scale = -self.a

    def probability(self, decision: float) -> float:
        """Return the calibrated probability of a decision value."""
        return float(expit(-(self.a * decision + self.b)))

    def probabilities(self, decisions: np.ndarray) -> np.ndarray:
        """Return the calibrated probability of each of many decision values."""
        return expit(-(self.a * decisions + self.b))

    def explain(self, columns: np.ndarray, values: np.ndarray) -> tuple[float, np.ndarray]:
        """Return the probability of a sparse row and each column's part of it, in log-odds.

        The decision value is the sum of the very contributions returned (then the
        intercept), so the parts add up to what moved the score.
        """
        contributions = self.coef[columns] * values
        probability = self.probability(float(contributions.sum()) + self.intercept)
        return probability, contributions * self.log_odds_scale

    def explain_rows(
        self, columns: np.ndarray, values: np.ndarray, rows: np.ndarray, n_rows: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return `explain` for many sparse rows at once, entry k being ``columns[k]``
        of row ``rows[k]``: each row's probability, and each entry's part in log-odds."""
        contributions = self.coef[columns] * values
        decisions = np.bincount(rows, weights=contributions, minlength=n_rows)
        return self.probabilities(decisions + self.intercept), contributions * self.log_odds_scale

    def sparse_dot(self, columns: np.ndarray, values: np.ndarray) -> float:
        """Return coef . x for a sparse row given as its column indices and values."""
        return float(self.coef[columns] @ values)

    def dense_dot(self, values: np.ndarray, offset: int = 0) -> float:
        """Return coef . x for a dense block of columns starting at `offset`."""
        return float(self.coef[offset : offset + len(values)] @ values)
