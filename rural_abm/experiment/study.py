"""What calibration and sensitivity files share: the county they run, their seeds, parameter ranges.

Both files start like a scenario (``extends:`` a scenario file, and/or
``parameters:`` / ``policy:`` on top of it), pick one of its variants, and
name model parameters with ``[low, high]`` ranges. :func:`read_study` reads
and checks that common head; every problem is recorded as a
:class:`~rural_abm.experiment.scenario.Problem` (file, key path, value found,
what is allowed), so a file gets one message listing all of them.
"""

from __future__ import annotations

import copy
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rural_abm.model import registry

from . import store
from .evaluate import NUMERIC_KINDS, PointEvaluator, section_of
from .scenario import Problem, Scenario, ScenarioError, _did_you_mean, _read_yaml, _validate, load

COMMON_KEYS = {
    "version": "1",
    "name": "a non-empty string",
    "description": "a string",
    "extends": "a relative path to a scenario file",
    "parameters": "a mapping of model parameter -> value",
    "policy": "a mapping of policy lever -> number or schedule",
    "variant": "the name of a variant of the base scenario",
    "replications": "an integer in [1, 1000]",
    "seed": "an integer in [0, 2**63)",
}
SCENARIO_KEYS = ("extends", "parameters", "policy")


class StudyError(RuntimeError):
    """A calibration or sensitivity run cannot go on (finished runs in the folder and no --resume, undefined outputs)."""


@dataclass
class StudyHead:
    """The common head of a study file, checked."""

    name: str
    description: str
    label: str
    path: Path | None
    doc: dict
    scenario: Scenario | None  # the base county (None when it has problems)
    variant: str | None
    years: tuple[int, int]  # first and last simulated calendar years of the variant


def is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def is_num(x) -> bool:
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) and bool(np.isfinite(x))


def check_int(doc: dict, key: str, lo: int, hi: int, default: int, allowed: str, label: str, problems: list[Problem]) -> int:
    """``doc[key]`` (or ``default``) if an integer in [lo, hi], else ``default`` after recording a problem."""
    value = doc.get(key, default)
    if not is_int(value) or not lo <= value <= hi:
        problems.append(Problem(label, key, value, allowed))
        return default
    return int(value)


def parse_ranges(body, key: str, label: str, problems: list[Problem]) -> dict:
    """``{parameter: (low, high)}`` from a mapping of numeric model parameters to ``[low, high]``."""
    reg = registry()
    ranges = {}
    if not isinstance(body, dict) or not body:
        problems.append(Problem(label, key, body, "a mapping of model parameter -> [low, high] (at least one)"))
        return ranges
    for raw, rng in body.items():
        name = raw.split(".", 1)[1] if isinstance(raw, str) and raw.split(".", 1)[0] in ("parameters", "policy") and "." in raw else raw
        if name not in reg:
            problems.append(Problem(label, f"{key}.{raw}", raw, "a model parameter (rural_abm/model/parameters.yaml)", _did_you_mean(name, reg)))
            continue
        p = reg[name]
        if p.kind not in NUMERIC_KINDS:
            problems.append(Problem(label, f"{key}.{raw}", p.kind, "a numeric parameter (int, float or a constant schedule)"))
            continue
        if not (isinstance(rng, list) and len(rng) == 2 and all(is_num(v) for v in rng) and p.range[0] <= rng[0] < rng[1] <= p.range[1]):
            problems.append(Problem(label, f"{key}.{raw}", rng, f"[low, high] with {p.range[0]:g} <= low < high <= {p.range[1]:g} ({p.unit})"))
            continue
        ranges[name] = (float(rng[0]), float(rng[1]))
    return ranges


def _base_scenario(doc: dict, path: Path | None, label: str, problems: list[Problem]) -> Scenario | None:
    """The ``extends`` file (or the model defaults) with this file's parameters, policy, replications and seed on top."""
    over = {"replications": doc["replications"], "seed": doc["seed"]}
    for section in ("parameters", "policy"):
        body = doc.get(section) or {}
        if not isinstance(body, dict):
            problems.append(Problem(label, section, body, COMMON_KEYS[section]))
            continue
        for name, value in body.items():
            over[f"{section}.{name}"] = value
    try:
        if "extends" in doc:
            ext = doc["extends"]
            if not isinstance(ext, str) or path is None:
                problems.append(Problem(label, "extends", ext, COMMON_KEYS["extends"] + (" (only in a file)" if path is None else "")))
                return None
            target = (path.parent / ext).resolve()
            if not target.is_file():
                problems.append(Problem(label, "extends", ext, "an existing scenario file"))
                return None
            parent = load(target)  # its calendar: the study reads effects itself, so effect_year follows the calendar
            fixed = {**parent.parameters, **(doc.get("parameters") or {})}
            start, years = fixed.get("start_year", parent.start_year), fixed.get("n_years", parent.n_years)
            if is_int(start) and is_int(years):
                over["effect_year"] = start + years - 1
            return load(target, overrides=over)
        scen = {"version": 1, "name": doc.get("name", "study"), "replications": over.pop("replications"), "seed": over.pop("seed")}
        for key, value in over.items():
            section, name = key.split(".", 1)
            scen.setdefault(section, {})[name] = value
        return _validate(scen, {}, label, "study")
    except ScenarioError as err:
        problems.extend(err.problems)
        return None


def read_study(source, overrides, keys: dict, problems: list[Problem], default_replications: int) -> StudyHead:
    """Read a study file (path or dict), apply ``overrides`` ([(key, value)]), check the common head.

    ``keys``: the file's own top-level keys (key -> what is allowed) besides
    :data:`COMMON_KEYS`. An override names a top-level key or a model
    parameter. Raises ScenarioError at once if the file cannot be read.
    """
    allowed = {**COMMON_KEYS, **keys}
    if isinstance(source, dict):
        path, label, doc = None, "<dict>", copy.deepcopy(source)
    else:
        path, label = Path(source).resolve(), str(source)
        doc = _read_yaml(path, problems, label, label, "")
        if doc is None:
            raise ScenarioError(problems)
    for key, value in overrides or ():
        if key in allowed and key not in SCENARIO_KEYS:
            doc[key] = value
        elif key in registry():
            doc.setdefault(section_of(key), {})[key] = value
        else:
            problems.append(Problem("command line", f"--set {key}", key, "a top-level key of the file or a model parameter", _did_you_mean(key, [*allowed, *registry()])))
    for key in doc:
        if key not in allowed:
            problems.append(Problem(label, key, doc[key], "one of the keys " + ", ".join(allowed), _did_you_mean(key, allowed)))
    if doc.get("version", 1) != 1:
        problems.append(Problem(label, "version", doc["version"], COMMON_KEYS["version"]))
    name = doc.get("name", Path(label).stem)
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(label, "name", name, COMMON_KEYS["name"]))
        name = "study"
    description = doc.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem(label, "description", description, COMMON_KEYS["description"]))
        description = ""
    doc["replications"] = check_int(doc, "replications", 1, 1000, default_replications, COMMON_KEYS["replications"], label, problems)
    doc["seed"] = check_int(doc, "seed", 0, 2**63 - 1, 1, COMMON_KEYS["seed"], label, problems)
    base = _base_scenario(doc, path, label, problems)
    variant, years = None, (0, 0)
    if base is not None:
        if base.sweep:
            problems.append(Problem(label, "extends", doc.get("extends"), "a scenario without a sweep (a study runs one county)"))
        variant = doc.get("variant", base.baseline)
        if variant not in base.variants:
            problems.append(Problem(label, "variant", variant, "a variant of the base scenario: " + ", ".join(base.variants), _did_you_mean(variant, base.variants)))
            variant = base.baseline
        kw = base.params_for(variant, ())
        start = int(kw.get("start_year", registry()["start_year"].default))
        years = (start, start + int(kw.get("n_years", registry()["n_years"].default)) - 1)
    return StudyHead(name.strip(), description, label, path, doc, base, variant, years)


def open_study(head_scenario: Scenario, variant: str, out, runs: str, what: str, resume: bool, workers, scheduler,
               progress: bool, stream) -> tuple[Path, PointEvaluator, object]:  # fmt: skip
    """The output folder, an evaluator storing runs in ``out/runs``, and the progress stream (None: quiet).

    A folder that holds finished runs is refused unless ``resume`` (nothing is overwritten).
    """
    out = Path(out)
    done = store.finished_keys(out / runs)
    if done and not resume:
        raise StudyError(f"{out}: holds {len(done)} finished run(s) of an earlier {what}; use --resume to continue it, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    stream = (stream if stream is not None else sys.stderr) if progress else None
    if stream is not None and done:
        stream.write(f"{what}: {len(done)} stored run(s) in {out / runs} are read back where they fit\n")
    return out, PointEvaluator(head_scenario, variant, out / runs, workers, scheduler), stream


def check_not_scheduled(head: StudyHead, ranges: dict, key: str, problems: list[Problem]) -> None:
    """A ranged parameter must not be set by a schedule in the study's variant (a number replaces it)."""
    if head.scenario is None:
        return
    kw = head.scenario.params_for(head.variant, ())
    for name in ranges:
        value = kw.get(name)
        if value is not None and not is_num(value):
            problems.append(Problem(head.label, f"{key}.{name}", value, "a parameter that the variant does not set by a schedule"))


__all__ = ["COMMON_KEYS", "StudyError", "StudyHead", "check_int", "check_not_scheduled", "is_int", "is_num", "open_study", "parse_ranges", "read_study"]
