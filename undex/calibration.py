"""Score calibration: map a backend's raw scores to probabilities of being a gold subject.

* ``pav``: isotonic regression (pool-adjacent-violators), a monotone step curve, like
  Annif's ``pav`` backend;
* ``platt``: a logistic curve ``1 / (1 + exp(-(a * score + b)))``;
* ``none``: scores unchanged.

A :class:`Calibrator` holds one global curve and, for ``scope="concept"``, one curve per
concept that has at least ``min_examples`` positive examples (other concepts use the global
curve). Curves are stored as plain arrays (``.npz``); a score of 0 (not suggested) stays 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from undex.errors import ModelError

Method = Literal["pav", "platt", "none"]
Scope = Literal["global", "concept"]


def fit_curve(scores: np.ndarray, truth: np.ndarray, method: Method) -> tuple[np.ndarray, np.ndarray]:
    """Fit one curve; returns (x, y) breakpoints for ``pav``, ((a, b), unused) for ``platt``."""
    if method == "none":
        return np.array([0.0, 1.0]), np.array([0.0, 1.0])
    rate = float(truth.mean()) if truth.size else 0.0
    if truth.size == 0 or truth.min() == truth.max():  # nothing to learn a shape from: the base rate
        if method == "platt":
            rate = min(max(rate, 1e-6), 1 - 1e-6)
            return np.array([0.0, np.log(rate / (1 - rate))]), np.zeros(2)
        return np.array([0.0, 1.0]), np.array([rate, rate])
    if method == "platt":
        model = LogisticRegression(C=100.0).fit(scores.reshape(-1, 1), truth)
        return np.array([float(model.coef_[0, 0]), float(model.intercept_[0])]), np.zeros(2)
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(scores, truth)
    return iso.X_thresholds_.astype(np.float64), iso.y_thresholds_.astype(np.float64)


def apply_curve(values: np.ndarray, curve: tuple[np.ndarray, np.ndarray], method: Method) -> np.ndarray:
    if method == "none":
        return values
    if method == "platt":
        a, b = curve[0]
        return 1.0 / (1.0 + np.exp(-(a * values + b)))
    x, y = curve
    return np.interp(values, x, y)


@dataclass
class Calibrator:
    method: Method = "pav"
    scope: Scope = "global"
    min_examples: int = 10
    global_curve: tuple[np.ndarray, np.ndarray] = field(default_factory=lambda: (np.zeros(2), np.zeros(2)))
    concept_curves: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def fit(self, scores: sp.csr_matrix, gold: sp.csr_matrix) -> Calibrator:
        """Fit on the suggested (non-zero) entries of ``scores`` against the 0/1 ``gold`` matrix."""
        scores = sp.csr_matrix(scores)
        coo = scores.tocoo()
        truth = np.asarray(gold[coo.row, coo.col]).ravel() > 0
        self.global_curve = fit_curve(coo.data.astype(np.float64), truth.astype(np.float64), self.method)
        self.concept_curves = {}
        if self.scope == "concept" and self.method != "none":
            order = np.argsort(coo.col, kind="stable")
            cols, data, truth = coo.col[order], coo.data[order], truth[order]
            bounds = np.flatnonzero(np.diff(cols)) + 1
            for chunk_cols, chunk_data, chunk_truth in zip(
                np.split(cols, bounds), np.split(data, bounds), np.split(truth, bounds), strict=True
            ):
                if chunk_cols.size and chunk_truth.sum() >= self.min_examples and not chunk_truth.all():
                    curve = fit_curve(chunk_data.astype(np.float64), chunk_truth.astype(np.float64), self.method)
                    self.concept_curves[int(chunk_cols[0])] = curve
        return self

    def transform(self, scores: sp.csr_matrix) -> sp.csr_matrix:
        out = sp.csr_matrix(scores, dtype=np.float64, copy=True)
        out.data = apply_curve(out.data, self.global_curve, self.method)
        if self.concept_curves:
            raw = sp.csc_matrix(scores, dtype=np.float64)
            out = out.tocsc()
            for concept, curve in self.concept_curves.items():
                start, end = raw.indptr[concept], raw.indptr[concept + 1]
                out.data[start:end] = apply_curve(raw.data[start:end], curve, self.method)
        out = out.tocsr()
        out.data = np.clip(out.data, 0.0, 1.0)
        # keep every suggestion visible: a calibrated 0 would drop a candidate from the ranking
        out.data = np.maximum(out.data, 1e-6)
        return out.astype(np.float32)

    def save(self, path: Path) -> None:
        concepts = np.array(sorted(self.concept_curves), dtype=np.int64)
        xs = [self.concept_curves[c][0] for c in concepts]
        ys = [self.concept_curves[c][1] for c in concepts]
        offsets = np.cumsum([0] + [len(x) for x in xs]).astype(np.int64)
        empty = np.zeros(0)
        np.savez(
            path,
            method=np.array(self.method),
            scope=np.array(self.scope),
            min_examples=np.array(self.min_examples),
            global_x=self.global_curve[0],
            global_y=self.global_curve[1],
            concepts=concepts,
            offsets=offsets,
            concept_x=np.concatenate(xs) if xs else empty,
            concept_y=np.concatenate(ys) if ys else empty,
        )

    @classmethod
    def load(cls, path: Path) -> Calibrator:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"cannot read calibration {path}: {exc}") from exc
        offsets = arrays["offsets"]
        curves = {
            int(c): (arrays["concept_x"][offsets[i] : offsets[i + 1]], arrays["concept_y"][offsets[i] : offsets[i + 1]])
            for i, c in enumerate(arrays["concepts"])
        }
        return cls(
            method=str(arrays["method"]),  # type: ignore[arg-type]
            scope=str(arrays["scope"]),  # type: ignore[arg-type]
            min_examples=int(arrays["min_examples"]),
            global_curve=(arrays["global_x"], arrays["global_y"]),
            concept_curves=curves,
        )
