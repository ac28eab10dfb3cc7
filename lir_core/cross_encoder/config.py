"""Configuration of cross-encoders: pointwise (mono) and listwise (Set-Encoder style)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import ClassVar, Literal

from lir_core.base.config import LightningIRConfig

CrossPooling = Literal["first", "mean"]
ScoringStrategy = Literal["rank", "mono"]


@dataclass
class CrossEncoderConfig(LightningIRConfig):
    """How a cross-encoder turns a jointly encoded query-document pair into a score.

    Args:
        pooling_strategy: "first" ([CLS]) or "mean" over the pair's tokens.
        scoring_strategy: "rank": one logit is the score; "mono": two logits
            (non-relevant, relevant) and the score is the log-probability of "relevant".
        linear_bias: Whether the scoring head has a bias.
        pair_template: Format a pair as one text, e.g. ``"Query: {query} Document: {doc}
            Relevant:"`` (monoT5); None tokenizes query and doc as a sentence pair.
    """

    model_type: ClassVar[str] = "cross-encoder"

    query_length: int = 32
    doc_length: int = 256
    pooling_strategy: CrossPooling = "first"
    scoring_strategy: ScoringStrategy = "rank"
    linear_bias: bool = True
    pair_template: str | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.pooling_strategy not in ("first", "mean"):
            raise ValueError(
                f"{type(self).__name__}.pooling_strategy: unknown {self.pooling_strategy!r}; "
                "choose 'first' or 'mean'"
            )
        if self.scoring_strategy not in ("rank", "mono"):
            raise ValueError(
                f"{type(self).__name__}.scoring_strategy: unknown {self.scoring_strategy!r}; "
                "choose 'rank' or 'mono'"
            )

        if self.pair_template is not None and not {"{query}", "{doc}"} <= _fields(self.pair_template):
            raise ValueError(f"{type(self).__name__}.pair_template must contain {{query}} and {{doc}}")

    @property
    def num_logits(self) -> int:
        """Width of the scoring head."""
        return 2 if self.scoring_strategy == "mono" else 1


def _fields(template: str) -> set[str]:
    return {"{" + name + "}" for _, name, _, _ in string.Formatter().parse(template) if name}
