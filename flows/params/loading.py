"""Reading a params file: YAML with line-numbered errors, dotted overrides (``--set a.b=1``),
variants, and one parse per process for the same file text and overrides."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from flows.params.schema import Params

# Every stage of a pipeline run, the lock, the plan and the report ask for the same file: it is
# parsed once per process. The text is part of the key, so an edited file is parsed anew; errors
# are not kept. A dict rather than functools.lru_cache: overrides need not be hashable.
_PARSED: dict[tuple[str, str, str], Params] = {}
_PARSED_KEPT = 64


def set_key(values: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c`` in nested dicts, creating levels as needed.

    Raises:
        ValueError: If a level on the way holds something other than a mapping.
    """
    *parents, last = dotted.split(".")
    for depth, part in enumerate(parents, start=1):
        values = values.setdefault(part, {})
        if not isinstance(values, dict):
            raise ValueError(f"cannot set {dotted}: {'.'.join(parents[:depth])} is a {type(values).__name__}, "
                             "not a mapping")
    values[last] = value


def _yaml(text: str, where: str) -> Any:
    """Parse YAML text.

    Raises:
        ValueError: On a syntax error, naming ``where`` and the line and column.
    """
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or error
        raise ValueError(f"{where}: invalid YAML{position}: {problem}") from error


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Read and validate a params file; ``overrides`` maps dotted keys to values (YAML-parsed strings).

    A file with ``variants`` (e.g. one per test collection) describes several runs of one
    experiment: ``variant: <name>`` (in the file or as the override ``variant=<name>``) applies
    that variant's dotted keys first, then the other overrides. The file is parsed once per
    process for the same text and overrides: callers share one frozen :class:`Params`.

    Raises:
        OSError: If the file cannot be read.
        ValueError: On invalid YAML (naming the file or the override, and the line), a file whose
            top level is not a mapping, or invalid params (a pydantic ``ValidationError``).
    """
    text = Path(path).read_text()
    key = (str(path), text, json.dumps(overrides or {}, sort_keys=True, default=repr))
    if key not in _PARSED:
        if len(_PARSED) >= _PARSED_KEPT:
            del _PARSED[next(iter(_PARSED))]  # the oldest
        _PARSED[key] = _parse(str(path), text, overrides)
    return _PARSED[key]


def _parse(path: str, text: str, overrides: dict[str, Any] | None) -> Params:
    values = _yaml(text, path) or {}
    if not isinstance(values, dict):
        raise ValueError(f"{path}: the top level must be a mapping (name:, artifacts:, dataset:, ...), "
                         f"got a {type(values).__name__}")
    parsed = {key: _yaml(value, f"{path}: --set {key}={value!r}") if isinstance(value, str) else value
              for key, value in (overrides or {}).items()}
    variant = parsed.get("variant", values.get("variant"))
    if variant is not None:
        for key, value in (values.get("variants") or {}).get(variant, {}).items():
            set_key(values, key, value)
    for key, value in parsed.items():
        set_key(values, key, value)
    return Params.model_validate(values)


def variant_overrides(path: str | Path, overrides: dict[str, Any] | None = None) -> list[dict[str, Any] | None]:
    """The overrides of each run a params file describes: one per variant when it has variants
    and none is chosen, else just ``overrides``."""
    p = load_params(path, overrides)
    if not p.variants or p.variant is not None:
        return [overrides]
    return [{**(overrides or {}), "variant": name} for name in p.variants]
