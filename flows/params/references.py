"""Checks across the sections of a params file: every name one section uses for an entry of another
(a model, an index, an earlier system, a variant) exists, and each search ``config`` fits the
search config class of its index's family."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError
from pydantic_core import InitErrorDetails

from flows import config_entries

if TYPE_CHECKING:
    from flows.params.schema import Params


def unknown_references(p: Params) -> list[str]:
    """The dotted keys whose value names nothing (``search.bm25.index='bm42'``), in file order."""
    models = set(p.models) | set(p.fine_tune)
    problems = [f"fine_tune.{k}.base={v.base!r}" for k, v in p.fine_tune.items() if v.base not in p.models]
    problems += [f"tuples.{k}.teacher.model={v.teacher.model!r} (a key of models)" for k, v in p.tuples.items()
                 if v.teacher and v.teacher.model not in p.models]
    problems += [f"index.{k}.model={v.model!r}" for k, v in p.index.items() if v.model and v.model not in models]
    problems += [f"search.{k}.index={v.index!r}" for k, v in p.search.items() if v.index not in p.index]
    problems += [f"search.{k}.query_model={v.query_model!r}" for k, v in p.search.items()
                 if v.query_model and v.query_model not in models]
    problems += [f"re_rank.{k}.model={v.model!r}" for k, v in p.re_rank.items()
                 if v.model is not None and v.model not in models]
    earlier: set[str] = set(p.search) | set(p.runs)
    for k, v in p.re_rank.items():  # in order: a system re-ranks or fuses earlier ones
        problems += [f"re_rank.{k}.{field}={name!r}" for field, name in (("run", v.run), ("fuse_with", v.fuse_with))
                     if name is not None and name not in earlier]
        earlier.add(k)
    if overlap := (set(p.search) & set(p.re_rank)) | (set(p.runs) & (set(p.search) | set(p.re_rank))):
        problems.append(f"system names used twice: {sorted(overlap)}")
    if p.evaluate.baseline and p.evaluate.baseline not in p.systems:
        problems.append(f"evaluate.baseline={p.evaluate.baseline!r}")
    problems += [f"evaluate.references.{system}={reference!r}" for system, reference in p.evaluate.references.items()
                 if system not in p.systems or reference not in p.systems]
    for system, score in (p.expected.scores if p.expected else {}).items():
        if system not in p.systems:
            problems.append(f"expected.scores.{system}")
        elif isinstance(score, dict):
            problems += [f"expected.scores.{system}.{v}" for v in score if v not in p.variants]
    return problems


def check_names(p: Params) -> None:
    """Check the names that entries give each other.

    Raises:
        ValueError: For an unknown variant, a fine-tuned model named like a model, a query model
            that cannot search its index, or unknown references (all of them, named).
    """
    if p.variant is not None and p.variant not in p.variants:
        raise ValueError(f"unknown variant {p.variant!r}; known: {sorted(p.variants)}")
    if clash := set(p.models) & set(p.fine_tune):
        raise ValueError(f"fine-tuned models must not reuse names of models: {sorted(clash)}")
    problems = unknown_references(p)
    for key, settings in p.search.items():
        if settings.query_model in p.fine_tune and settings.index in p.index:
            tuned, index_model = p.fine_tune[settings.query_model], p.index[settings.index].model
            if not tuned.train.freeze_docs or tuned.base != index_model:
                raise ValueError(
                    f"search.{key}.query_model={settings.query_model!r} cannot search index "
                    f"{settings.index!r} (built with {index_model!r}): a query model needs "
                    f"fine_tune.{settings.query_model}.train.freeze_docs and base {index_model!r}")
    if problems:
        raise ValueError("unknown references: " + ", ".join(problems))


def search_config_errors(p: Params) -> list[InitErrorDetails]:
    """The errors of each search ``config`` against the search config class of its index's
    family (known only once the index entries are), at ``search.<key>.config...``."""
    errors: list[InitErrorDetails] = []
    for key, settings in p.search.items():
        try:
            config_entries.search_config(p.index[settings.index].index_type, settings.config, settings.k)
        except ValidationError as error:
            errors += config_entries.located(error, ("search", key, "config"))
    return errors
