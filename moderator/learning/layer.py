"""A site's own spam layer: the shared model's log-odds, corrected by the site's labels.

The layer computes

    logit P_site = a * logit P_shared + b + w . h(comment)

where `h` hashes the comment's words, word pairs, link hosts and e-mail domain into a
fixed-width sparse vector (no vocabulary to store, so any text is read the same way at
training and at scoring). `w` is pulled towards 0 by the penalty: with few labels the
layer stays close to the shared score, and a site without a layer is scored by the
shared model exactly. Fitted with L-BFGS on the penalised log loss (scikit-learn has no
offset term; the objective is twenty lines).

Two choices keep a layer from making a site worse on either side:

* Each kind of label weighs the same in the loss, whatever the site's mix. Unweighted,
  a site with 7 spam labels among 190 learns mostly that its comments are genuine, and
  lowers the score of its next spam with everything else.
* By default `a` and `b` stay at (1, 0). Scaling or shifting the shared log-odds never
  changes the order of a site's comments (its AUC), it only moves them across the fixed
  thresholds, trading spam published for blocked genuine; what the site's labels teach
  goes into the word weights. A finite `anchor` lets them move again, penalised.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.feature_extraction.text import HashingVectorizer

from moderator.core.comment import Comment
from moderator.core.reasons import Reason
from moderator.ml.protocol import Score

#: Width of the hashed feature vector (2**18 weights: 2 MB per layer, few collisions).
HASH_WIDTH = 2**18
#: Probabilities are kept this far from 0 and 1 before taking log-odds.
EPSILON = 1e-6
WORD = re.compile(r"\w+", re.UNICODE)
LINK_HOST = re.compile(r"https?://([^/\s\"'<>]+)", re.IGNORECASE)


def comment_tokens(comment: Comment) -> list[str]:
    """Return what a layer reads of a comment: words, word pairs, link hosts, e-mail domain.

    A module-level function, so a pickled layer loads in any process.
    """
    words = WORD.findall(comment.content.casefold())
    tokens = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    hosts = LINK_HOST.findall(comment.content) + [_host(comment.author_url)]
    tokens.extend(f"host:{h.casefold().removeprefix('www.')}" for h in hosts if h)
    if "@" in comment.author_email:
        tokens.append(f"email:{comment.author_email.rsplit('@', 1)[1].casefold()}")
    if comment.comment_type:
        tokens.append(f"type:{comment.comment_type.casefold()}")
    return tokens


def _host(url: str) -> str:
    try:
        return urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""


def _identity(tokens):
    return tokens


def make_hasher() -> HashingVectorizer:
    """Return the feature hasher every layer uses (stateless: nothing to fit)."""
    return HashingVectorizer(
        analyzer=_identity,
        n_features=HASH_WIDTH,
        alternate_sign=False,
        norm="l2",
    )


def hashed(comments: Sequence[Comment]) -> sparse.csr_matrix:
    """Return the hashed features of comments, one row each."""
    return make_hasher().transform([comment_tokens(c) for c in comments])


def logit(probabilities) -> np.ndarray:
    """Return the log-odds of probabilities (clipped away from 0 and 1)."""
    p = np.clip(np.asarray(probabilities, dtype=np.float64), EPSILON, 1 - EPSILON)
    return np.log(p) - np.log1p(-p)


@dataclass(frozen=True)
class SiteLayer:
    """A fitted layer: the shared log-odds' scale and shift, and the hashed weights.

    Only the columns some training comment used can have a weight (the penalty keeps
    the others at 0), so the weights are kept sparse: a layer file is a few kilobytes.
    """

    a: float
    b: float
    columns: np.ndarray  # int32 column indices into the hashed features
    values: np.ndarray  # float32 weights of those columns
    labels: int

    @property
    def moves_scores(self) -> bool:
        """Whether the layer changes any score (one fitted on no labels does not)."""
        return self.a != 1.0 or self.b != 0.0 or bool(np.any(self.values))

    def weights(self) -> np.ndarray:
        """Return the dense weight vector (HASH_WIDTH wide)."""
        dense = np.zeros(HASH_WIDTH, dtype=np.float64)
        dense[self.columns] = self.values
        return dense

    def log_odds(self, base_probabilities, features: sparse.csr_matrix) -> np.ndarray:
        """Return the layer's log-odds for rows of shared probabilities and features."""
        return self.a * logit(base_probabilities) + self.b + features @ self.weights()

    def probabilities(self, base_probabilities, comments: Sequence[Comment]) -> np.ndarray:
        """Return P(spam) for comments whose shared P(spam) is given."""
        return expit(self.log_odds(base_probabilities, hashed(comments)))


def fit_layer(
    comments: Sequence[Comment],
    spam: Sequence[bool],
    base_probabilities: Sequence[float],
    strength: float = 0.1,
    anchor: float = math.inf,
) -> SiteLayer:
    """Fit a layer to a site's labelled comments and the shared model's scores of them.

    `strength` is the L2 penalty on the hashed weights, `anchor` the penalty holding
    (a, b) near (1, 0), infinite (the default) holding them there (both per label set,
    not per label: more labels outweigh them). Each kind of label weighs the same in
    the loss (see the module's docstring); with no labels the layer moves no score.
    """
    y = np.asarray(spam, dtype=np.float64)
    if not len(y):
        return SiteLayer(1.0, 0.0, np.zeros(0, np.int32), np.zeros(0, np.float32), labels=0)
    all_features = hashed(comments).tocsc()
    used = np.flatnonzero(np.diff(all_features.indptr)).astype(np.int32)
    features = all_features[:, used].tocsr()  # the optimiser sees only used columns
    base = logit(base_probabilities)
    sign = 2 * y - 1
    weight = class_weights(y)
    free = math.isfinite(anchor)  # whether a and b are fitted at all

    def objective(theta):
        a, b, w = (theta[0], theta[1], theta[2:]) if free else (1.0, 0.0, theta)
        z = a * base + b + features @ w
        loss = -np.sum(weight * log_expit(sign * z))
        penalty = 0.5 * strength * (w @ w)
        residual = weight * (expit(z) - y)  # d loss / d z
        grad_w = features.T @ residual + strength * w
        if not free:
            return loss + penalty, grad_w
        penalty += 0.5 * anchor * ((a - 1) ** 2 + b**2)
        grad_a = residual @ base + anchor * (a - 1)
        grad_b = residual.sum() + anchor * b
        return loss + penalty, np.concatenate(([grad_a, grad_b], grad_w))

    start = np.zeros(len(used) + 2) if free else np.zeros(len(used))
    if free:
        start[0] = 1.0
    result = minimize(objective, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000})
    theta = result.x if free else np.concatenate(([1.0, 0.0], result.x))
    return SiteLayer(
        a=float(theta[0]),
        b=float(theta[1]),
        columns=used,
        values=theta[2:].astype(np.float32),
        labels=len(y),
    )


def class_weights(spam: np.ndarray) -> np.ndarray:
    """Return each label's weight in the loss: every kind of label adds up to half of them."""
    weight = np.ones(len(spam))
    kinds = spam.astype(bool)
    for members in (kinds, ~kinds):
        if members.any():
            weight[members] = len(spam) / (2 * members.sum())
    return weight


#: The reason a site's layer moved a score, with how far (in log-odds).
def learned_reason(shift: float) -> Reason:
    """Return the reason saying this site's moderators' labels moved the score."""
    towards = "towards spam" if shift > 0 else "towards genuine"
    return Reason(
        "site_learned",
        f"this site's moderation history moved the score {towards}",
        weight=round(float(shift), 4),
        source="spam_model",
    )


#: A shift smaller than this (in log-odds) is not worth a reason.
NOTABLE_SHIFT = 0.5


class AdaptedSpamModel:
    """The shared spam model with layers on top (the shared layer, then the site's).

    Follows `moderator.ml.protocol.Model`; its card is the base model's (the thresholds
    stay the shipped ones) and its version names every part, so a stored decision says
    which layers decided it.
    """

    def __init__(self, base, layers: Sequence[tuple[str, SiteLayer]]):
        self.base = base
        self.layers = tuple(layers)
        self.name = base.name
        self.card = base.card
        self.version = "+".join([base.version, *(version for version, _ in self.layers)])
        # A layer that moves no score is left out, so it scores as the shared model exactly.
        self.moving = tuple(layer for _, layer in self.layers if layer.moves_scores)

    def probabilities(self, comments: Sequence[Comment]) -> np.ndarray:
        """Return P(spam) of comments without reasons (training scores many at once).

        A shipped model's pipeline scores a batch without explaining each score, the
        same probabilities a good deal faster.
        """
        if not comments:
            return np.zeros(0)
        pipeline = getattr(self.base, "pipeline", None)
        if pipeline is not None and hasattr(pipeline, "predict_proba"):
            z = logit(pipeline.predict_proba(list(comments))[:, 1])
        else:
            z = logit([s.probability for s in self.base.score_many(comments)])
        if self.moving:
            features = hashed(comments)
            for layer in self.moving:
                z = layer.log_odds(expit(z), features)
        return expit(z)

    def score_many(self, comments: Sequence[Comment]) -> list[Score]:
        """Score comments with the shared model, then move each score through the layers."""
        scores = self.base.score_many(comments)
        if not self.moving or not comments:
            return scores
        probabilities = np.array([s.probability for s in scores], dtype=np.float64)
        features = hashed(comments)
        start = logit(probabilities)
        z = start
        for layer in self.moving:
            z = layer.log_odds(expit(z), features)
        adapted = expit(z)
        results = []
        for score, probability, shift in zip(scores, adapted, z - start, strict=True):
            reasons = score.reasons
            if abs(shift) >= NOTABLE_SHIFT:
                reasons = (learned_reason(shift), *reasons)
            results.append(Score(probability=float(probability), reasons=reasons))
        return results
