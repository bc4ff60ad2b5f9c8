"""The scenario format as pydantic (v2) models built from the parameter registry.

:func:`document_model` is the model of one scenario document (version 1):
typed fields, every model parameter with its range, schedules in their four
forms with their values in the lever's range, NaN and infinities refused,
unknown keys refused. :func:`json_schema` is its JSON Schema
(``rural-abm schema``), so editors with a YAML language server check scenario
files as they are typed. :func:`problems` turns a pydantic ValidationError
into the project's one-line problems (file, key path, value found, what is
allowed, "did you mean").

Cross-field rules (baseline among the variants, effect year within the
simulated years, a parameter set once, distinct sweep values, the run limit,
the model's own cross-parameter rules) are checked in :mod:`.scenario`.
"""

from __future__ import annotations

import difflib
import re
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationError, create_model, model_validator

from rural_abm.model import registry
from rural_abm.model.schedules import FORMS

from .readings import OUTPUT_NAMES, READING_HELP

SCHEMA_VERSION = 1
DEFAULT_SEED = 20240101
MAX_REPLICATIONS = 100_000
OUTPUTS = OUTPUT_NAMES  # county metrics and their sums <metric>_cum (experiment/readings.py)
SECTIONS = ("parameters", "policy")
STRICT = ConfigDict(extra="forbid", strict=True)
MISSING = object()  # a key that is not there (shown as "nothing (the key is missing)")
TAG = "form:"  # prefix of union tags in error locations (dropped from key paths)
TAGS = frozenset(TAG + t for t in ("number", "list", "one", *FORMS))  # every union tag this module makes
YEARS = (1000.0, 3000.0)  # calendar years a schedule may name
SCHEDULE_FORMS = "a number, {constant: x}, {step: {year, before, after}}, {ramp: {start, end, from, to}} or {piecewise: [[year, value], ...]}"
NAME_RULE = "a non-empty string of at most 100 characters, no slash, backslash or control character, not '.' or '..'"
TOP_KEYS = {
    "version": "schema version, 1",
    "name": NAME_RULE + " (it names the output folder)",
    "description": "a string: the question the scenario answers",
    "extends": "a relative path to another scenario file",
    "parameters": "a mapping of model parameter -> value",
    "policy": "a mapping of policy lever -> number or schedule",
    "variants": "a mapping of variant name -> overrides",
    "baseline": "the name of one variant",
    "sweep": "a mapping of key path -> list of values",
    "replications": f"an integer in [1, {MAX_REPLICATIONS}]",
    "seed": "an integer in [0, 2**63)",
    "effect_year": "a calendar year within the simulated years",
    "outputs": "a list of county metrics (or <metric>_cum: summed over the reading)",
    "effect_windows": "a list of further readings: years (2025) or windows '2021-2025'",
}


def did_you_mean(word, choices) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else ""


def _safe_name(text: str) -> str:
    if text.strip() in (".", "..") or not text.strip():
        raise ValueError("a name that is not empty, '.' or '..'")
    return text


Name = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^/\\\x00-\x1f]+$"), AfterValidator(_safe_name)]


# ---------------------------------------------------------------- parameter types
def _number(lo: float, hi: float, doc: str = "") -> Any:
    return Annotated[float, Field(strict=True, ge=lo, le=hi, allow_inf_nan=False, description=doc or None)]


Year = _number(*YEARS, "calendar year")


def _increasing(pairs: list) -> list:
    years = [y for y, _ in pairs]
    if any(b <= a for a, b in zip(years, years[1:])):
        raise ValueError(f"years that increase (found {years})")
    return pairs


def _form(value) -> str | None:
    if isinstance(value, dict):
        return TAG + next(iter(value)) if len(value) == 1 and next(iter(value)) in FORMS else None
    return TAG + "number"


@cache
def schedule_type(name: str) -> Any:
    """The type of schedule lever ``name``: a number or one of the four forms, values within its range."""
    p = registry()[name]
    value = _number(*p.range, f"{p.unit}" if p.unit else "")
    title = "".join(part.title() for part in name.split("_"))

    def ramp_order(self):
        if self.end <= self.start:
            raise ValueError(f"end ({self.end:g}) after start ({self.start:g})")
        return self

    step = create_model(f"{title}StepBody", __config__=STRICT, year=(Year, ...), before=(value, ...), after=(value, ...))
    ramp = create_model(
        f"{title}RampBody", __config__=ConfigDict(extra="forbid", strict=True, populate_by_name=False),
        __validators__={"order": model_validator(mode="after")(ramp_order)},
        start=(Year, ...), end=(Year, ...), from_=(value, Field(alias="from")), to=(value, ...),
    )  # fmt: skip
    pair = Annotated[tuple[Year, value], Field(strict=False)]
    forms = {
        "constant": create_model(f"{title}Constant", __config__=STRICT, constant=(value, ...)),
        "step": create_model(f"{title}Step", __config__=STRICT, step=(step, ...)),
        "ramp": create_model(f"{title}Ramp", __config__=STRICT, ramp=(ramp, ...)),
        "piecewise": create_model(
            f"{title}Piecewise", __config__=STRICT, piecewise=(Annotated[list[pair], Field(min_length=1), AfterValidator(_increasing)], ...)
        ),
    }
    members = [Annotated[value, Tag(TAG + "number")], *(Annotated[m, Tag(TAG + f)] for f, m in forms.items())]
    return Annotated[Union[tuple(members)], Discriminator(_form, custom_error_type="schedule_form", custom_error_message=f"{SCHEDULE_FORMS}")]  # noqa: UP007


def param_type(name: str) -> Any:
    """The pydantic type of model parameter ``name`` (from rural_abm/model/parameters.yaml)."""
    p = registry()[name]
    if p.kind == "bool":
        return Annotated[bool, Field(strict=True)]
    if p.kind == "choice":
        return Literal[p.choices]
    if p.kind == "schedule":
        return schedule_type(name)
    if p.kind == "int":
        return Annotated[int, Field(strict=True, ge=p.range[0], le=p.range[1])]
    return _number(*p.range)


def _describe(name: str) -> str:
    p = registry()[name]
    return f"{p.doc.strip()} Allowed: {p.allowed()}."


def section_names(section: str) -> list[str]:
    """Names allowed under ``parameters`` (every model parameter) or ``policy`` (the levers)."""
    reg = registry()
    return [n for n, p in reg.items() if section == "parameters" or p.group == "policy"]


@cache
def section_model(section: str) -> type[BaseModel]:
    fields = {n: (param_type(n), Field(default=registry()[n].default, description=_describe(n))) for n in section_names(section)}
    return create_model("Parameters" if section == "parameters" else "Policy", __config__=STRICT, **fields)


def path_aliases() -> dict[str, str]:
    """Every key path a variant or sweep may name -> its parameter: parameters.<name>, policy.<lever>, <name>."""
    out = {}
    for section in SECTIONS:
        out.update({f"{section}.{n}": n for n in section_names(section)})
    out.update({n: n for n in registry()})
    return out


def _path_fields(make) -> dict:
    return {f"f{i}": (make(name), Field(default=None, alias=alias)) for i, (alias, name) in enumerate(path_aliases().items())}


@cache
def variant_model() -> type[BaseModel]:
    return create_model(
        "Variant", __config__=STRICT,
        description=(str, Field(default="", description="what the variant changes")),
        parameters=(section_model("parameters"), Field(default=None)),
        policy=(section_model("policy"), Field(default=None)),
        **_path_fields(param_type),
    )  # fmt: skip


@cache
def sweep_model() -> type[BaseModel]:
    return create_model("Sweep", __config__=STRICT, **_path_fields(lambda n: Annotated[list[param_type(n)], Field(min_length=1)]))


@cache
def document_model() -> type[BaseModel]:
    """The pydantic model of a scenario document (version 1)."""
    output = Literal[OUTPUTS]
    outputs = Annotated[
        Union[Annotated[Annotated[list[output], Field(min_length=1)], Tag(TAG + "list")], Annotated[output, Tag(TAG + "one")]],  # noqa: UP007
        Discriminator(lambda v: TAG + ("one" if isinstance(v, str) else "list")),
    ]
    d = TOP_KEYS
    return create_model(
        "Scenario", __config__=STRICT,
        version=(Literal[SCHEMA_VERSION], Field(default=SCHEMA_VERSION, description=d["version"])),
        name=(Name, Field(default=None, description=d["name"] + "; default: the file name")),
        description=(str, Field(default="", description=d["description"])),
        extends=(Annotated[str, Field(min_length=1)], Field(default=None, description=d["extends"] + " (files only)")),
        parameters=(section_model("parameters"), Field(default=None, description=d["parameters"])),
        policy=(section_model("policy"), Field(default=None, description=d["policy"])),
        variants=(Annotated[dict[Name, variant_model() | None], Field(min_length=1)], Field(default=None, description=d["variants"])),
        baseline=(str, Field(default=None, description=d["baseline"] + "; default: 'baseline' if there is one, else the first")),
        sweep=(sweep_model(), Field(default=None, description=d["sweep"] + " (crossed with the variants)")),
        replications=(Annotated[int, Field(strict=True, ge=1, le=MAX_REPLICATIONS)], Field(default=10, description=d["replications"])),
        seed=(Annotated[int, Field(strict=True, ge=0, le=2**63 - 1)], Field(default=DEFAULT_SEED, description=d["seed"])),
        effect_year=(int, Field(default=None, description=d["effect_year"] + "; default: the last simulated year")),
        outputs=(outputs, Field(default=None, description=d["outputs"])),
        effect_windows=(list, Field(default=None, description=d["effect_windows"] + f"; each {READING_HELP}", json_schema_extra={"items": {"anyOf": [
            {"type": "integer"}, {"type": "string", "pattern": r"^\s*\d{4}\s*(-\s*\d{4}\s*)?$"},
            {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2},
        ]}})),
    )  # fmt: skip


def json_schema() -> dict:
    """JSON Schema (draft 2020-12) of scenario files, for editors and YAML language servers."""
    schema = document_model().model_json_schema(by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "rural_abm scenario (version 1)",
        "description": "A scenario batch of the rural labour outflow and return migration model; see docs/user_guide.md.",
        **{k: v for k, v in schema.items() if k != "title"},
    }


# ---------------------------------------------------------------- errors -> problems
def key_path(loc) -> str:
    """('variants', 'v', 'policy.x', 0) -> 'variants.v.policy.x[0]'."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (("." if text else "") + str(part))
    return text


def _clean(loc) -> tuple:
    """The key path of an error location: union tags dropped, and the '[key]' marker of a bad mapping key.

    Tags are this module's own (TAG + a form name), never the first part of a path: a user's key that happens
    to start with TAG stays in the path.
    """
    loc = tuple(loc[:-1]) if len(loc) > 1 and loc[-1] == "[key]" else tuple(loc)
    return tuple(p for i, p in enumerate(loc) if i == 0 or p not in TAGS)


def _parameter_at(loc: tuple) -> tuple[str, int] | None:
    """(parameter, index in loc) of the first parameter named along ``loc``, if any."""
    aliases = path_aliases()
    for i, part in enumerate(loc[1:], start=1):
        if not isinstance(part, str):
            continue
        inside_section = loc[i - 1] in SECTIONS
        if (inside_section and part in registry()) or (loc[0] in ("variants", "sweep") and part in aliases and i >= (2 if loc[0] == "variants" else 1)):
            return aliases.get(part, part), i
    return None


def _short(msg: str) -> str:
    text = re.sub(r"^(Value error, |Input should be |Assertion failed, )", "", msg)
    return text.replace("Field required", "this key")


def _unknown_key(container: tuple, key) -> tuple[str, str]:
    """(allowed, hint) for an unknown ``key`` in the mapping at ``container``."""
    reg = registry()
    where = container[-1] if container else None
    if not container:
        return "one of the keys " + ", ".join(TOP_KEYS), did_you_mean(key, TOP_KEYS)
    if where in SECTIONS and (len(container) == 1 or container[0] == "variants"):
        names = section_names(where)
        hint = did_you_mean(key, names)
        if not hint and where == "policy" and key in reg:
            hint = f"parameters.{key}"
        if where == "policy":
            return "a policy lever: " + ", ".join(names), hint
        return "a model parameter (see rural_abm/model/parameters.yaml)", hint
    if container[0] in ("variants", "sweep") and len(container) == (2 if container[0] == "variants" else 1):
        paths = [a for a in path_aliases() if "." in a] + (["description"] if container[0] == "variants" else [])
        hint = did_you_mean(key, paths) or did_you_mean(key, reg)
        section, _, name = str(key).partition(".")
        if not hint and section == "policy" and name in reg:
            hint = f"parameters.{name}"
        if container[0] == "sweep":
            return "a key path parameters.<name> or policy.<lever> (or a model parameter name)", hint
        return "a key path parameters.<name> or policy.<lever>, a model parameter name, or description", hint
    return "the keys of this schedule form", ""


def _problem_of(error: dict, label_of) -> tuple:
    """(file, path, found, allowed, hint) of one pydantic error."""
    loc = _clean(error["loc"])
    kind = error["type"]
    found = MISSING if kind == "missing" else error.get("input")
    label = label_of(loc)
    if kind == "extra_forbidden":
        allowed, hint = _unknown_key(loc[:-1], loc[-1])
        at = _parameter_at(loc[:-1])
        if at and len(loc) - 1 > at[1]:
            form = loc[at[1] + 1] if len(loc) > at[1] + 2 else ""
            model = {"step": "year, before, after", "ramp": "start, end, from, to"}.get(str(form), "")
            allowed = f"the keys of {form}: {model}" if model else f"{registry()[at[0]].allowed()} ({SCHEDULE_FORMS})"
            hint = did_you_mean(loc[-1], [k.strip() for k in model.split(",")]) if model else ""
        return label, key_path(loc), loc[-1], allowed, hint
    at = _parameter_at(loc)
    if at is not None:
        name, i = at
        p = registry()[name]
        if loc[0] == "sweep" and i == len(loc) - 1 and kind in ("list_type", "too_short"):
            return label, key_path(loc), found, "a non-empty list of values", ""
        allowed = p.allowed()
        hint = ""
        if kind == "schedule_form":
            allowed = f"{allowed}: {SCHEDULE_FORMS}"
            if isinstance(found, dict) and len(found) == 1:
                hint = did_you_mean(next(iter(found)), FORMS)
        elif i < len(loc) - 1 or kind in ("value_error", "missing"):
            allowed = f"{_short(error['msg'])} ({name}: {allowed})"
        return label, key_path(loc), found, allowed, hint
    top = loc[0] if loc else ""
    if top == "outputs" and kind == "literal_error":
        return label, key_path(loc), found, "a county metric (rural_abm/model/metrics.py COUNTY_METRICS) or <metric>_cum", did_you_mean(found, OUTPUTS)
    if top == "outputs":
        return label, key_path(loc), found, "a non-empty list of county metrics (or <metric>_cum): " + ", ".join(o for o in OUTPUTS if not o.endswith("_cum")), ""
    if top == "variants" and len(loc) == 1:
        return label, "variants", found, TOP_KEYS["variants"] + " (at least one)", ""
    if top == "variants" and error["loc"][-1] == "[key]" and len(error["loc"]) > 1:
        return label, "variants", found, "variant names: " + NAME_RULE, ""
    if top == "variants" and len(loc) == 2:
        return label, key_path(loc), found, "a mapping of key path -> value (or {} for no change)", ""
    if top == "variants" and loc[-1] == "description":
        return label, key_path(loc), found, "a string", ""
    return label, key_path(loc), found, TOP_KEYS.get(top, _short(error["msg"])), ""


def problems(err: ValidationError, label_of, limit: int) -> tuple[list[tuple], int, set]:
    """The first ``limit`` errors as (file, path, found, allowed, hint), how many more there are,
    and the locations of all of them: (top key,) and (top key, entry)."""
    errors = err.errors(include_url=False)
    where = {_clean(e["loc"])[:n] for e in errors for n in (1, 2)}
    return [_problem_of(e, label_of) for e in errors[:limit]], max(0, len(errors) - limit), where


__all__ = ["OUTPUTS", "SECTIONS", "TOP_KEYS", "document_model", "json_schema", "problems", "schedule_type", "section_names"]
