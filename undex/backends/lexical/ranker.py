"""Rankers: how likely a candidate is a subject, from its feature row.

:class:`ZeroShotRanker` is the fixed formula used when nothing was learned;
:class:`LogisticRanker` is a logistic regression learned from indexed documents, in
scikit-learn's estimator style (parameters in ``__init__``, ``fit`` returns the ranker,
learned attributes end in ``_``). By default it corrects the zero-shot formula instead of
replacing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.base import BaseEstimator

from undex.backends.lexical.features import FEATURES, LEARNED_FEATURES, LENGTH_COLUMN, zero_shot_logit
from undex.errors import ModelError


class _Ranker:
    """Probabilities and decisions from :meth:`decision_function` (a logit per row)."""

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Columns: probability of not being a subject, of being one."""
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Whether each candidate is more likely a subject than not."""
        return self.decision_function(X) > 0.0


class ZeroShotRanker(_Ranker):
    """No ranker learned: the zero-shot formula of the feature table."""

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return zero_shot_logit(X)


class LogisticRanker(_Ranker, BaseEstimator):
    """L2-regularised logistic regression over standardised features.

    ``learned_features`` are the features it learns weights for (empty: all), the others
    keep their zero-shot weight when ``zero_shot_offset`` (the formula is then a fixed
    offset the regression corrects) and weigh nothing otherwise. With
    ``length_interactions`` each learned weight also changes with the document's length
    (the ``document_length`` feature): what makes a subject in a title need not in a report.
    """

    def __init__(
        self,
        C: float = 1.0,
        learned_features: Sequence[str] = LEARNED_FEATURES,
        zero_shot_offset: bool = True,
        length_interactions: bool = False,
    ) -> None:
        self.C = C
        self.learned_features = learned_features
        self.zero_shot_offset = zero_shot_offset
        self.length_interactions = length_interactions

    def fit(self, X: np.ndarray, y: np.ndarray) -> LogisticRanker:
        y = np.asarray(y, dtype=bool)
        if y.size == 0 or y.all() or not y.any():
            raise ModelError("cannot learn a ranker: the training documents give no positive and negative candidates")
        self.n_features_in_ = X.shape[1]
        self.mean_ = X.mean(axis=0)
        self.scale_ = np.where(X.std(axis=0) > 0, X.std(axis=0), 1.0)
        offset = zero_shot_logit(X) if self.zero_shot_offset else np.zeros(len(y))
        coef, self.intercept_ = fit_logistic(self._design(X), y, offset, self.C)
        mask, n_learned = self._learned_mask(), int(self._learned_mask().sum())
        self.coef_, self.length_coef_ = np.zeros(len(FEATURES)), np.zeros(len(FEATURES))
        self.coef_[mask] = coef[:n_learned]
        if self.length_interactions:
            self.length_coef_[mask] = coef[n_learned:]
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        offset = zero_shot_logit(X) if self.zero_shot_offset else 0.0
        standardised = ((X - self.mean_) / self.scale_) * self._learned_mask()
        length = X[:, LENGTH_COLUMN]
        return offset + standardised @ self.coef_ + length * (standardised @ self.length_coef_) + self.intercept_

    def _design(self, X: np.ndarray) -> np.ndarray:
        """The learned columns, standardised, and with ``length_interactions`` the same
        times the document's length."""
        learned = ((X - self.mean_) / self.scale_)[:, self._learned_mask()]
        if not self.length_interactions:
            return learned
        return np.hstack([learned, learned * X[:, [LENGTH_COLUMN]]])

    def weights(self) -> dict[str, float]:
        """The learned weight of each feature (standardised scale); with length
        interactions also how it changes from a title to a 10,000-word document."""
        weights = dict(zip(FEATURES, (float(w) for w in self.coef_), strict=True))
        if self.length_interactions:
            weights |= {f"{name}_x_length": float(w) for name, w in zip(FEATURES, self.length_coef_, strict=True)}
        return weights

    def to_arrays(self) -> dict[str, np.ndarray]:
        return {
            "coef": self.coef_,
            "length_coef": self.length_coef_,
            "mean": self.mean_,
            "scale": self.scale_,
            "intercept": np.array([self.intercept_]),
        }

    def set_arrays(self, arrays: Mapping[str, np.ndarray]) -> LogisticRanker:
        """Take the learned attributes from saved arrays (see :meth:`to_arrays`)."""
        shapes = {name: (len(FEATURES),) for name in ("coef", "length_coef", "mean", "scale")} | {"intercept": (1,)}
        if any(name not in arrays or arrays[name].shape != shape for name, shape in shapes.items()):
            raise ModelError("the saved ranker does not have one weight per feature; retrain")
        self.coef_, self.length_coef_ = arrays["coef"], arrays["length_coef"]
        self.mean_, self.scale_ = arrays["mean"], arrays["scale"]
        self.intercept_ = float(arrays["intercept"][0])
        self.n_features_in_ = len(FEATURES)
        return self

    def _learned_mask(self) -> np.ndarray:
        learned = set(self.learned_features or FEATURES)
        return np.array([name in learned for name in FEATURES])


def fit_logistic(X: np.ndarray, y: np.ndarray, offset: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with a fixed per-row offset (which
    scikit-learn's LogisticRegression lacks), solved with SciPy's L-BFGS."""
    sign = np.where(y, 1.0, -1.0)

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = params[:-1], params[-1]
        margin = sign * (offset + X @ w + b)
        value = np.logaddexp(0.0, -margin).sum() + 0.5 / C * (w @ w)
        weight = -sign * expit(-margin)
        grad = np.append(X.T @ weight + w / C, weight.sum())
        return float(value), grad

    result = minimize(loss, np.zeros(X.shape[1] + 1), jac=True, method="L-BFGS-B")
    return result.x[:-1], float(result.x[-1])
