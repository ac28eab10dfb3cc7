"""The ``config:`` entries of a params file, parsed into their ``lir_core`` classes at load.

A model's or fine-tuning's ``config`` (``{class: SpladeConfig, ...}``), an index's ``config``
(``{index_type: faiss-ivf, ...}``) and a search's ``config`` (the settings of its index's search
config class) are checked field by field against the class they name: an unknown class, an
unknown field or a value of the wrong type is a ``ValidationError`` naming the dotted path
(``index.minilm.config.index_typo``), so the params fail at load, before any stage runs. The
class is then built, so its own checks (``__post_init__``) run too.

The tasks still receive the plain dicts: their cache keys hash them, and checking changes none.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic_core import InitErrorDetails, PydanticCustomError

BM25 = "bm25"
Loc = tuple[str | int, ...]


def config_error(loc: Loc, message: str, value: Any) -> ValidationError:
    """A one-error ``ValidationError`` at ``loc`` (relative to where it is raised)."""
    error = PydanticCustomError("config", "{message}", {"message": message})
    return ValidationError.from_exception_data("config", [InitErrorDetails(type=error, loc=loc, input=value)])


@functools.cache
def fields_model(target: Callable[..., Any], exclude: tuple[str, ...] = ()) -> type[BaseModel]:
    """A strict pydantic model of the keyword arguments of ``target`` (a dataclass: its init
    fields; else its ``__init__``'s parameters), without ``exclude``; unknown keys are errors."""
    if dataclasses.is_dataclass(target):
        hints = typing.get_type_hints(target)
        params = {f.name: (hints[f.name], ... if _required(f) else None) for f in dataclasses.fields(target) if f.init}
    else:
        init = target.__init__ if isinstance(target, type) else target
        hints = typing.get_type_hints(init)
        params = {name: (hints.get(name, Any), ... if p.default is inspect.Parameter.empty else p.default)
                  for name, p in inspect.signature(init).parameters.items()
                  if name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    fields = {name: spec for name, spec in params.items() if name not in exclude}
    config = ConfigDict(extra="forbid", strict=True, arbitrary_types_allowed=True)
    return create_model(f"{getattr(target, '__name__', 'config')}Fields", __config__=config, **fields)


def _required(field: dataclasses.Field[Any]) -> bool:
    return field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING


def located(error: ValidationError, prefix: Loc) -> list[InitErrorDetails]:
    """The errors of ``error``, each at ``prefix`` + its own location."""
    return [InitErrorDetails(type=PydanticCustomError(e["type"], "{message}", {"message": e["msg"]}),
                             loc=(*prefix, *e["loc"]), input=e["input"])
            for e in error.errors()]


def check_fields(target: Callable[..., Any], values: Mapping[str, Any], exclude: tuple[str, ...] = ()) -> None:
    """Check every value against ``target``'s fields (see :func:`fields_model`).

    Raises:
        ValidationError: At the field, for an unknown field or a wrong type.
    """
    try:
        fields_model(target, exclude).model_validate(dict(values))
    except ValidationError as error:  # re-raised with this module's title, at the same places
        raise ValidationError.from_exception_data("config", located(error, ())) from None


def build(target: Callable[..., Any], values: Mapping[str, Any], exclude: tuple[str, ...] = (),
          **fixed: Any) -> Any:
    """``target(**values, **fixed)`` after :func:`check_fields` (``fixed``: arguments that the
    params give elsewhere, such as a search's ``k``; they are not allowed in ``values``).

    Raises:
        ValidationError: At the field for an unknown field or a wrong type; at the entry itself
            when ``target`` refuses the values (its ``__post_init__``).
    """
    check_fields(target, values, exclude=(*exclude, *fixed))
    try:
        return target(**values, **fixed)
    except (TypeError, ValueError) as error:
        name = getattr(target, "__name__", str(target))
        raise config_error((), str(error) if name in str(error) else f"{name}: {error}", dict(values)) from None


def model_config(config: Mapping[str, Any], model_type: Literal["bi-encoder", "cross-encoder"] | None) -> Any:
    """Check a model ``config`` (``{class: <Config class or model type>, **fields}``) and return
    the config it describes; a bi-encoder needs a ``BiEncoderConfig``, a cross-encoder a
    ``CrossEncoderConfig``.

    Raises:
        ValueError: Without a class.
        ValidationError: Naming the field (``class`` for an unknown class or the wrong family).
    """
    if "class" not in config:
        raise ValueError(f"model config {dict(config)} needs a class (e.g. {{class: SpladeConfig}})")
    from lir_core.bi_encoder.config import BiEncoderConfig
    from lir_core.classes import MODEL_CONFIGS
    from lir_core.cross_encoder.config import CrossEncoderConfig

    name = config["class"]
    try:
        config_class = MODEL_CONFIGS.get(str(name), kind="model config class")
    except ValueError as error:
        raise config_error(("class",), str(error), name) from None
    family = {"bi-encoder": BiEncoderConfig, "cross-encoder": CrossEncoderConfig}.get(model_type or "")
    if family is not None and not issubclass(config_class, family):
        raise config_error(("class",), f"{config_class.__name__} is not a {family.__name__}, and the model is a "
                                       f"{model_type}", name)
    return build(config_class, {k: v for k, v in config.items() if k != "class"})


def index_config(config: Mapping[str, Any]) -> Any:
    """Check an index ``config`` (``{index_type: <family>, **fields}``) and return the
    ``IndexConfig`` (for ``bm25``: the ``Bm25Retriever`` settings, checked, as a dict).

    Raises:
        ValidationError: Naming the field (``index_type`` for an unknown family).
    """
    settings = {k: v for k, v in config.items() if k != "index_type"}
    index_type = config["index_type"]
    if index_type == BM25:
        from lir_core.retrieve.bm25 import Bm25Retriever

        check_fields(Bm25Retriever, settings)  # not built: that loads the stemmer
        return settings
    from lir_core.classes import INDEX_CONFIGS

    try:
        config_class = INDEX_CONFIGS.get(str(index_type), kind="index type")
    except ValueError as error:
        raise config_error(("index_type",), str(error), index_type) from None
    return build(config_class, settings)


def search_config(index_type: str, config: Mapping[str, Any], k: int) -> Any:
    """Check a search ``config`` (the settings of the index family's search config class; ``k``
    is the search entry's own) and return the search config.

    Raises:
        ValidationError: Naming the field.
        ValueError: If no searcher reads ``index_type``.
    """
    from lir_core.retrieve.base import search_config_class

    return build(search_config_class(index_type), config, k=k)


def loss(spec: str | Mapping[str, Any]) -> Any:
    """Check a training loss (``"RankNet"`` or ``{class: KLDivergence, teacher_scale: 10,
    schedule: {...}}``) as the fine-tune task builds it (:func:`lir_core.loss.spec.loss_from_spec`), with
    strict types for its arguments and its schedule, and return the loss.

    Raises:
        ValidationError: Naming the field (``class`` for an unknown loss).
    """
    import lir_core.loss
    from lir_core.loss.spec import loss_from_spec

    settings = {"class": spec} if isinstance(spec, str) else dict(spec)
    failure: Exception | None = None
    try:
        built = loss_from_spec(settings)
    except ValueError as error:
        if str(error).startswith("unknown loss"):
            raise config_error(("class",), str(error), settings.get("class")) from None
        raise config_error((), str(error), settings) from None
    except TypeError as error:  # an argument the loss does not take, or lacks: named by the field check
        built, failure = None, error
    check_fields(getattr(lir_core.loss, settings["class"]),
                 {k: v for k, v in settings.items() if k not in ("class", "schedule")})
    if isinstance(settings.get("schedule"), Mapping):
        try:
            check_fields(lir_core.loss.WeightSchedule, settings["schedule"])
        except ValidationError as error:
            raise ValidationError.from_exception_data("config", located(error, ("schedule",))) from None
    if failure is not None:
        raise config_error((), str(failure), settings)
    return built
