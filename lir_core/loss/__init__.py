"""Ranking, distillation, in-batch and regularization losses for training retrieval models."""

from lir_core.loss.base import InBatchLoss, RegularizationLoss, ScheduledLoss, ScoringLoss
from lir_core.loss.in_batch import InBatchCrossEntropy
from lir_core.loss.listwise import ApproxNDCG, KLDivergence, LocalizedContrastiveEstimation
from lir_core.loss.pairwise import ConstantMarginMSE, RankNet, SupervisedMarginMSE
from lir_core.loss.regularization import FLOPSRegularization, L1Regularization
from lir_core.loss.schedule import WeightSchedule

__all__ = [
    "ApproxNDCG",
    "ConstantMarginMSE",
    "FLOPSRegularization",
    "InBatchCrossEntropy",
    "InBatchLoss",
    "KLDivergence",
    "L1Regularization",
    "LocalizedContrastiveEstimation",
    "RankNet",
    "RegularizationLoss",
    "ScheduledLoss",
    "ScoringLoss",
    "SupervisedMarginMSE",
    "WeightSchedule",
]
