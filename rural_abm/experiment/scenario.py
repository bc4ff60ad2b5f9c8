"""Scenario files: YAML schema (version 1), inheritance, variants, sweeps -> run specs.

A scenario is a YAML mapping (see docs/user_guide.md for the full reference)::

    version: 1                      # schema version (optional, only 1 exists)
    name: transfers                 # default: the file name
    description: |                  # the question the scenario answers
      Do poverty transfers lower the poverty headcount by 2030?
    extends: baseline.yaml          # optional, relative to this file
    parameters: {n_people: 5000}    # any model parameter (rural_abm/model/parameters.yaml)
    policy:                         # policy levers (group "policy"), numbers or schedules
      poverty_transfer: {step: {year: 2021, before: 0, after: 1500}}
    variants:                       # named variants; overrides by dotted key path
      baseline: {}
      transfers: {policy.poverty_transfer: 1500}
    baseline: baseline              # default: "baseline" if present, else the first variant
    sweep:                          # optional grid, crossed with the variants
      parameters.urban_jobs_growth: [0.0, 0.01, 0.02]
    replications: 10
    seed: 12345
    effect_year: 2030
    outputs: [poverty_headcount_ratio, income_per_capita_mean]

Everything is checked at once: :func:`load` raises :class:`ScenarioError`
whose ``problems`` list names, for every problem, the file, the key path,
the value found and what is allowed (with "did you mean" for misspelt keys);
the message shows the first :data:`MAX_PROBLEMS` and counts the rest. The
format itself is a pydantic model (:mod:`.scenario_schema`, JSON Schema via
``rural-abm schema``); the reading limits live in :mod:`.scenario_input`;
this module resolves ``extends`` and ``--set``, checks the rules that join
keys (baseline, effect year, a parameter set once, the run limit
:data:`MAX_RUNS`, the model's cross-parameter rules) and makes the run specs.

Run keys and seeds
------------------
Each run is keyed by content: a SHA-256 of the fully resolved model
parameters (defaults filled in, schedules in canonical form), the variant
name, the sweep point, the replication index, the scenario seed and the
package version. The run's random seed is ``SeedSequence(seed,
spawn_key=(replication,))``: it depends on the scenario seed and the
replication index only, so replication r meets the same random draws in every
variant and sweep point (common random numbers; effects are paired).
"""

from __future__ import annotations

import copy
import functools
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from pydantic import ValidationError

from rural_abm.model import registry
from rural_abm.model.schedules import Schedule

from .readings import check_reading
from .scenario_input import InputRefused, parse_text, plain, read_file
from .scenario_schema import (
    DEFAULT_SEED,
    MISSING,
    OUTPUTS,
    SCHEMA_VERSION,
    SECTIONS,
    TOP_KEYS,
    did_you_mean,
    document_model,
    path_aliases,
    problems as schema_problems,
)

DEFAULT_OUTPUTS = (
    "income_per_capita_mean",
    "poverty_headcount_ratio",
    "hollowing_index",
    "returned_voluntary",
    "enterprises_active",
)
MAX_RUNS = 100_000  # runs per batch unless raised (``--max-runs``, ``load(max_runs=...)``)
MAX_PROBLEMS = 50  # problems shown in one message; the rest are counted


# ---------------------------------------------------------------- problems
@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario: where it is, what was found, what is allowed."""

    file: str
    path: str
    found: object
    allowed: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else f"{self.file}"
        found = _show(self.found)
        msg = f"{where}: found {found}; allowed: {self.allowed}"
        return msg + (f" (did you mean {self.hint!r}?)" if self.hint else "")


def _show(value) -> str:
    if value is MISSING:
        return "nothing (the key is missing)"
    try:
        text = repr(value) if not isinstance(value, (dict, list)) or len(value) <= 20 else f"a {type(value).__name__} of {len(value)} items"
    except RecursionError:
        text = "a value nested too deeply"
    return text if len(text) <= 120 else text[:117] + "..."


class ScenarioError(ValueError):
    """A scenario has one or more problems; ``problems`` lists each (the first MAX_PROBLEMS), ``more`` counts the rest."""

    def __init__(self, problems: list[Problem], more: int = 0):
        more += max(0, len(problems) - MAX_PROBLEMS)
        self.problems = list(problems)[:MAX_PROBLEMS]
        self.more = more
        n = len(self.problems) + more
        head = f"invalid scenario ({n} problem{'s' if n != 1 else ''}):"
        tail = f"\n  - ... and {more} more problem{'s' if more != 1 else ''}" if more else ""
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems) + tail)


# ---------------------------------------------------------------- reading + extends
def _parse(read, label: str, problems: list[Problem], from_file: str = "", from_key: str = ""):
    """The mapping that ``read()`` yields (text or a Python mapping), or None after recording a problem."""
    try:
        got = read()
        doc = parse_text(got) if isinstance(got, str) else plain(got)
    except FileNotFoundError as err:
        problems.append(Problem(from_file or label, from_key, str(err.filename), "an existing scenario file"))
        return None
    except InputRefused as err:
        problems.append(Problem(label, err.where, _Found(err.found), err.allowed))
        return None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(err, "problem", None) or str(err).splitlines()[0]
        problems.append(Problem(label, where, _Found(f"malformed YAML ({what})"), "a YAML mapping (key: value lines)"))
        return None
    except (OSError, UnicodeDecodeError) as err:
        problems.append(Problem(from_file or label, from_key, label, f"a readable UTF-8 text file ({err.__class__.__name__})"))
        return None
    except Exception as err:  # noqa: BLE001 - YAML can fail in odd ways on odd input
        problems.append(Problem(label, "", _Found(f"unreadable YAML ({err.__class__.__name__})"), "a YAML mapping"))
        return None
    if not isinstance(doc, dict):
        problems.append(Problem(label, "", doc, "a YAML mapping at the top level (key: value lines)"))
        return None
    for k in [k for k in doc if not isinstance(k, str)]:
        problems.append(Problem(label, "", k, "string keys only"))
        del doc[k]
    if not doc:
        problems.append(Problem(label, "", _Found("an empty scenario"), "at least one scenario key (an empty scenario would silently run the defaults)"))
        return None
    return doc


def _read_yaml(path: Path, problems: list[Problem], label: str, from_file: str, from_key: str):
    """The mapping in scenario file ``path`` (within the reading limits), or None after recording a problem."""
    return _parse(lambda: read_file(path), label, problems, from_file, from_key)


_did_you_mean = did_you_mean  # the name other modules of the package import


class _Found(str):
    """A description of what was found, shown without quotes."""

    def __repr__(self) -> str:
        return str(self)


def _merge(parent: dict, child: dict, origin: dict, child_label: str) -> dict:
    """Child keys win; ``parameters`` and ``policy`` merge key by key."""
    out = copy.deepcopy(parent)
    for key, value in child.items():
        if key == "extends":
            continue
        if key in SECTIONS and isinstance(value, dict) and isinstance(out.get(key), dict):
            for sub, v in value.items():
                out[key][sub] = copy.deepcopy(v)
                origin[(key, sub)] = child_label
        else:
            out[key] = copy.deepcopy(value)
            origin[(key,)] = child_label
            for sub in value if key in SECTIONS and isinstance(value, dict) else ():
                origin[(key, sub)] = child_label
    return out


def _load_chain(path: Path, problems: list[Problem], origin: dict, chain: tuple, from_file: str, from_key: str):
    label = str(path)
    doc = _read_yaml(path, problems, label, from_file, from_key)
    if doc is None:
        return None
    parent = {}
    if "extends" in doc:
        ext = doc["extends"]
        if not isinstance(ext, str) or not ext.strip():
            problems.append(Problem(label, "extends", ext, TOP_KEYS["extends"]))
        else:
            target = (path.parent / ext).resolve()
            if target in chain or target == path.resolve():
                cycle = " -> ".join(str(p) for p in (*chain, path.resolve(), target))
                problems.append(Problem(label, "extends", ext, f"a file that does not extend this one (circular: {cycle})"))
            elif len(chain) >= 16:
                problems.append(Problem(label, "extends", ext, "at most 16 files in a chain of extends"))
            else:
                got = _load_chain(target, problems, origin, (*chain, path.resolve()), label, "extends")
                if got is not None:
                    parent = got
    for key in doc:
        origin.setdefault((key,), label)
    return _merge(parent, doc, origin, label)


# ---------------------------------------------------------------- key paths
def _section_of(path: str) -> tuple[str, str] | None:
    """('parameters'|'policy', name) of a key path parameters.<name>, policy.<lever> or a bare parameter name."""
    name = path_aliases().get(path)
    if name is None:
        return None
    if "." in path:
        return path.split(".", 1)[0], name
    return ("policy" if registry()[name].group == "policy" else "parameters"), name


def _key_path_problem(path, label: str, where: str) -> Problem:
    reg = registry()
    section, _, name = str(path).partition(".")
    hint = did_you_mean(path, [a for a in path_aliases() if "." in a]) or did_you_mean(path, reg)
    if not hint and section == "policy" and name in reg:
        hint = f"parameters.{name}"
    return Problem(label, where, path, "a key path parameters.<name> or policy.<lever>, or a model parameter name", hint)


# ---------------------------------------------------------------- canonical values
def canonical(value):
    """JSON-able canonical form of a checked parameter value (for keys and manifests)."""
    if isinstance(value, Schedule):
        if len(value.values) == 1:
            return float(value.values[0])
        return {"years": [float(y) for y in value.years], "values": [float(v) for v in value.values], "linear": bool(value.linear)}
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


# ---------------------------------------------------------------- the scenario
@dataclass(frozen=True)
class RunSpec:
    """One model run: everything needed to execute it, and its content key."""

    key: str
    variant: str
    point: tuple  # ((sweep path, value), ...)
    replication: int
    seed: int
    params: dict  # model keyword arguments (spec form, JSON-able)

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        """The run's seed: scenario seed and replication only (common random numbers)."""
        return np.random.SeedSequence(self.seed, spawn_key=(self.replication,))


@dataclass
class Scenario:
    """A validated scenario with ``extends`` resolved."""

    name: str
    description: str
    source: str
    parameters: dict
    policy: dict
    variants: dict  # name -> {(section, name): value}
    variant_docs: dict
    baseline: str
    sweep: dict  # path -> list of values
    replications: int
    seed: int
    effect_year: int
    outputs: list
    document: dict = field(default_factory=dict)  # the merged document, as resolved
    effect_windows: list = field(default_factory=list)  # further readings, labels '2025' / '2021-2025'
    overrides: dict = field(default_factory=dict)  # key path -> {"stated": file value, "used": --set value}

    # -- grid
    def sweep_points(self) -> list[tuple]:
        """Every sweep point as ((path, value), ...); one empty point without a sweep."""
        return _grid_points(self.sweep)

    def params_for(self, variant: str, point: tuple) -> dict:
        """Model keyword arguments of one variant at one sweep point (variant overrides win)."""
        return _run_params({**self.parameters, **self.policy}, point, self.variants[variant])

    def runs(self) -> list[RunSpec]:
        """All run specs in a fixed order: sweep point, variant, replication."""
        version = _package_version()
        reg = registry()
        specs = []
        for point in self.sweep_points():
            for variant in self.variants:
                kw = self.params_for(variant, point)
                resolved = {n: canonical(reg[n].check(kw.get(n, p.default))) for n, p in reg.items()}
                for r in range(self.replications):
                    content = {
                        "model": resolved,
                        "variant": variant,
                        "point": [[k, canonical_json(v)] for k, v in point],
                        "replication": r,
                        "seed": self.seed,
                        "version": version,
                    }
                    key = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:20]
                    specs.append(RunSpec(key, variant, point, r, self.seed, dict(kw)))
        return specs

    def sweep_columns(self) -> list[str]:
        """Column names of the sweep values in tables: 'sweep_<parameter>'."""
        return [sweep_column(k) for k in self.sweep]

    def resolved(self) -> dict:
        """The scenario as resolved (JSON-able), for the manifest and the report."""
        return {
            "version": SCHEMA_VERSION,
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "parameters": {k: canonical_json(v) for k, v in self.parameters.items()},
            "policy": {k: canonical_json(v) for k, v in self.policy.items()},
            "variants": {
                v: {f"{s}.{n}": canonical_json(x) for (s, n), x in o.items()} for v, o in self.variants.items()
            },
            "variant_descriptions": dict(self.variant_docs),
            "baseline": self.baseline,
            "sweep": {k: [canonical_json(x) for x in vals] for k, vals in self.sweep.items()},
            "replications": self.replications,
            "seed": self.seed,
            "effect_year": self.effect_year,
            "outputs": list(self.outputs),
            "effect_windows": list(self.effect_windows),
            "overrides": dict(self.overrides),
            "start_year": self.start_year,
            "n_years": self.n_years,
        }

    @property
    def start_year(self) -> int:
        return int(self.parameters.get("start_year", registry()["start_year"].default))

    @property
    def n_years(self) -> int:
        return int(self.parameters.get("n_years", registry()["n_years"].default))


def _grid_points(sweep: dict) -> list[tuple]:
    """The sweep grid as points ((path, value), ...); one empty point without a sweep."""
    if not sweep:
        return [()]
    keys = list(sweep)
    return [tuple(zip(keys, combo)) for combo in itertools.product(*(sweep[k] for k in keys))]


def _run_params(base: dict, point: tuple, overrides: dict) -> dict:
    """Model keywords: ``base`` updated by a sweep point, then by a variant's overrides (which win)."""
    kw = dict(base)
    for path, value in point:
        kw[path.split(".")[-1]] = value
    for (_, name), value in overrides.items():
        kw[name] = value
    return kw


def sweep_column(path: str) -> str:
    return "sweep_" + path.split(".")[-1]


def canonical_json(value):
    """Plain JSON-able copy of a YAML value (tuples -> lists)."""
    return json.loads(json.dumps(value, default=str))


@functools.cache
def _package_version() -> str:
    """The package version and a digest of the model's code and data, part of every run key.

    A run stored by another model (code, defaults or data changed, version number or not) gets
    another key, so ``--resume`` and shared run stores never reuse it.
    """
    try:
        from rural_abm import __version__
    except Exception:  # noqa: BLE001
        __version__ = "unknown"
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted([*package.glob("model/*.py"), *package.glob("model/*.yaml"), *package.glob("data/*")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return f"{__version__}+model.{digest.hexdigest()[:12]}"


# ---------------------------------------------------------------- validation
def _variant_overrides(body: dict) -> tuple[dict, list[str]]:
    """{(section, name): value} of a checked variant body, and the parameters it sets twice."""
    out, twice = {}, []
    items = [(f"{s}.{n}", v) for s in SECTIONS for n, v in (body.get(s) or {}).items()]
    items += [(k, v) for k, v in body.items() if k not in (*SECTIONS, "description")]
    for path, value in items:
        section, name = _section_of(path)
        if any(n == name for _, n in out):
            twice.append(path)
        out[(section, name)] = value
    return out, twice


def run_count(n_points: int, n_variants: int, replications: int) -> int:
    """Runs of a batch, computed without building the grid."""
    return n_points * n_variants * replications


def _validate(doc: dict, origin: dict, label: str, stem: str, max_runs: int = MAX_RUNS) -> Scenario:
    problems: list[Problem] = []

    def where(*path) -> str:
        for i in range(len(path), 0, -1):
            if tuple(path[:i]) in origin:
                return origin[tuple(path[:i])]
        return label

    def label_of(loc) -> str:
        return where(*[p for p in loc[:2] if isinstance(p, str)])

    more, bad_entries = 0, set()
    try:
        document_model().model_validate(doc)
    except ValidationError as err:
        found, more, bad_entries = schema_problems(err, label_of, MAX_PROBLEMS)
        problems += [Problem(*f) for f in found]
    bad = {loc[0] for loc in bad_entries if len(loc) == 1}

    def take(key, default):
        """The value of a top-level key that passed the schema, else ``default``."""
        value = doc.get(key)
        return default if key in bad or value is None else value

    name = take("name", stem).strip() or stem
    description = take("description", "")
    sections = {s: {k: v for k, v in (doc.get(s) or {}).items() if (s, k) not in bad_entries} if isinstance(doc.get(s), dict) else {} for s in SECTIONS}
    both = set(sections["parameters"]) & set(sections["policy"])
    for pname in sorted(both):
        problems.append(Problem(where("policy", pname), f"policy.{pname}", sections["policy"][pname], f"each parameter once (also set as parameters.{pname})"))

    raw_variants = doc.get("variants") if isinstance(doc.get("variants"), dict) and ("variants",) not in bad_entries else None
    raw_variants = raw_variants or {"baseline": {}}
    variants, variant_docs = {}, {}
    for vname, body in raw_variants.items():
        if ("variants", vname) in bad_entries:  # reported already; the name still counts for the baseline
            variants[vname] = {}
            continue
        over, twice = _variant_overrides(body or {})
        for path in twice:
            problems.append(Problem(where("variants"), f"variants.{vname}.{path}", body.get(path, MISSING), "each parameter once in a variant"))
        variants[vname] = over
        if body and body.get("description"):
            variant_docs[vname] = body["description"]

    baseline = take("baseline", "baseline" if "baseline" in variants else next(iter(variants)))
    if baseline not in variants:
        problems.append(Problem(where("baseline"), "baseline", baseline, "the name of a variant: " + ", ".join(variants), did_you_mean(baseline, variants)))

    sweep, swept = {}, {}
    for path, values in take("sweep", {}).items():
        section, pname = _section_of(path)
        if pname in swept:
            problems.append(Problem(where("sweep"), f"sweep.{path}", path, f"each parameter swept once (also {swept[pname]})"))
            continue
        swept[pname] = path
        if len({json.dumps(canonical_json(v), sort_keys=True) for v in values}) != len(values):
            problems.append(Problem(where("sweep"), f"sweep.{path}", values, "distinct values"))
            continue
        sweep[f"{section}.{pname}"] = list(values)

    replications = take("replications", 10)
    seed = take("seed", DEFAULT_SEED)
    outputs = take("outputs", list(DEFAULT_OUTPUTS))
    outputs = list(dict.fromkeys([outputs] if isinstance(outputs, str) else outputs))

    # the run limit, before anything is built from the grid
    n_points = math.prod(len(v) for v in sweep.values())
    n_runs = run_count(n_points, len(variants), replications)
    if n_runs > max_runs:
        problems.append(Problem(
            label, "", _Found(f"{n_runs:,} runs ({n_points:,} sweep points x {len(variants)} variants x {replications} replications)"),
            f"at most {max_runs:,} runs per batch (raise the limit with --max-runs N, or load(..., max_runs=N))",
        ))  # fmt: skip
        raise ScenarioError(problems, more)

    # every value once more through the model's own registry (the authority on parameters)
    reg = registry()
    base_params = {**sections["parameters"], **sections["policy"]}
    checks = [(f"{s}.{n}", n, v, where(s, n)) for s in SECTIONS for n, v in sections[s].items()]
    checks += [(f"variants.{vn}.{s}.{n}", n, v, where("variants")) for vn, o in variants.items() for (s, n), v in o.items()]
    checks += [(f"sweep.{p}[{i}]", p.split(".")[-1], v, where("sweep")) for p, vals in sweep.items() for i, v in enumerate(vals)]
    for path, pname, value, file in checks:
        try:
            reg[pname].check(value)
        except Exception as err:  # noqa: BLE001 - the registry's message says what is allowed
            problems.append(Problem(file, path, value, str(err).split("allowed: ", 1)[-1]))

    # effect year: inside the simulated calendar of every variant and sweep point
    calendar_sweep = {p: v for p, v in sweep.items() if p.split(".")[-1] in ("start_year", "n_years")}
    calendars = set()
    for over in variants.values():
        for point in _grid_points(calendar_sweep):
            kw = _run_params(base_params, point, over)
            calendars.add((int(kw.get("start_year", reg["start_year"].default)), int(kw.get("n_years", reg["n_years"].default))))
    first = max(s for s, _ in calendars)
    last = min(s + n - 1 for s, n in calendars)
    effect_year = doc.get("effect_year", MISSING)
    if effect_year is MISSING or effect_year is None or "effect_year" in bad:
        effect_year = last
    if not first <= effect_year <= last:
        allowed = f"a calendar year in [{first}, {last}] (simulated years)" if first <= last else "a simulated year (variants share no simulated year)"
        problems.append(Problem(where("effect_year"), "effect_year", doc.get("effect_year", MISSING), allowed))
    effect_windows = _check_windows([] if "effect_windows" in bad else doc.get("effect_windows") or [], first, last, where("effect_windows"), problems)

    # every variant x point must be a valid model parameter set (cross-parameter rules)
    if not problems and not more:
        from rural_abm.model.parameters import resolve  # local: only for the cross-field rules

        seen = set()
        for v, over in variants.items():
            for point in _grid_points(sweep):
                try:
                    resolve(**_run_params(base_params, point, over))
                except Exception as err:  # noqa: BLE001
                    for t in str(err).split("\n  - ")[1:] or [str(err)]:
                        if t not in seen:
                            seen.add(t)
                            problems.append(Problem(label, f"variants.{v}" + (f" at sweep {dict(point)}" if point else ""), _Found(t), "a consistent model parameter set"))

    if problems or more:
        raise ScenarioError(problems, more)
    return Scenario(
        name=name,
        description=description,
        source=label,
        parameters=sections["parameters"],
        policy=sections["policy"],
        variants=variants,
        variant_docs=variant_docs,
        baseline=baseline,
        sweep=sweep,
        replications=int(replications),
        seed=int(seed),
        effect_year=int(effect_year),
        outputs=outputs,
        document=doc,
        effect_windows=effect_windows,
    )


def _check_windows(raw: list, first: int, last: int, label: str, problems: list[Problem]) -> list[str]:
    """effect_windows: labels of further readings ('2025', '2021-2025'), each within the simulated years."""
    labels = []
    for i, value in enumerate(raw):
        try:
            labels.append(check_reading(value, first, last).label)
        except ValueError as err:
            problems.append(Problem(label, f"effect_windows[{i}]", value, str(err).split("allowed: ", 1)[-1]))
    return list(dict.fromkeys(labels))


def _set_path(doc: dict, path: str, value, label: str, problems: list[Problem]) -> None:
    """Apply one ``--set key=value`` override to the raw document."""
    parts = path.split(".")
    where = f"--set {path}"
    if path == "extends":
        problems.append(Problem(label, where, value, "extends only inside a scenario file (write a file that extends the other)"))
        return
    if len(parts) == 1 and parts[0] in TOP_KEYS and parts[0] not in SECTIONS:
        doc[parts[0]] = value
        return
    if len(parts) >= 2 and parts[0] == "variants":
        variants = doc.get("variants")
        if not isinstance(variants, dict) or parts[1] not in variants:
            names = list(variants) if isinstance(variants, dict) else []
            problems.append(Problem(label, where, path, "variants.<existing variant>.<key path>", did_you_mean(parts[1], names)))
            return
        body = variants[parts[1]]
        if body is None:
            body = variants[parts[1]] = {}
        sub = ".".join(parts[2:])
        if not isinstance(body, dict) or not (sub == "description" or _section_of(sub)):
            problems.append(_key_path_problem(sub, label, where) if isinstance(body, dict) else Problem(label, where, body, "a variant that is a mapping"))
            return
        body[sub] = value
        return
    got = _section_of(path)
    if not got:
        problems.append(_key_path_problem(path, label, where))
        return
    section, name = got
    body = doc.get(section)
    if not isinstance(body, dict):
        body = doc[section] = {}
    body[name] = value


def parse_set(items) -> list[tuple[str, object]]:
    """``["n_people=2000", ...]`` -> [(path, YAML-parsed value)]; raises ScenarioError."""
    out, problems = [], []
    for item in items or ():
        if not isinstance(item, str) or "=" not in item:
            problems.append(Problem("command line", "--set", item, "KEY=VALUE, e.g. n_people=2000 or replications=3"))
            continue
        key, text = item.split("=", 1)
        try:
            value = parse_text(text) if text.strip() else None
        except InputRefused as err:
            problems.append(Problem("command line", f"--set {key}", _Found(err.found), err.allowed))
            continue
        except Exception:  # noqa: BLE001 - any YAML failure
            problems.append(Problem("command line", f"--set {key}", text, "a YAML value"))
            continue
        out.append((key.strip(), value))
    if problems:
        raise ScenarioError(problems)
    return out


def _check_max_runs(max_runs) -> int:
    from .errors import check_count

    return check_count("max_runs", max_runs, lowest=1)


def load(source, overrides=None, max_runs: int = MAX_RUNS) -> Scenario:
    """Validated :class:`Scenario` from a file path or a dict.

    ``overrides`` is a list of (key path, value) or a mapping applied to the
    merged document before validation: top-level keys (``replications``),
    model parameters (``n_people``, ``parameters.n_people``, ``policy.x``) or
    ``variants.<name>.<key path>``. ``max_runs``: the most runs the batch may
    have (the scenario is refused above it).
    """
    max_runs = _check_max_runs(max_runs)
    problems: list[Problem] = []
    origin: dict = {}
    if isinstance(source, dict):
        label, stem = "<dict>", "scenario"
        doc = _parse(lambda: source, label, problems)
        if doc is None:
            raise ScenarioError(problems)
        if "extends" in doc:
            problems.append(Problem(label, "extends", doc.pop("extends"), "a scenario file (extends works only in files)"))
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label, stem = str(path), path.stem
        if not path.is_file():
            raise ScenarioError([Problem(label, "", str(path), "an existing scenario file (YAML)")])
        doc = _load_chain(path.resolve(), problems, origin, (), label, "")
        if doc is None:
            raise ScenarioError(problems)
        origin = {k: (label if v == str(path.resolve()) else v) for k, v in origin.items()}
    else:
        raise ScenarioError([Problem("<input>", "", type(source).__name__, "a path to a YAML file or a dict")])
    stated = {}
    if overrides:
        items = overrides.items() if isinstance(overrides, dict) else overrides
        for key, value in items:
            stated.setdefault(key, _stated_value(doc, key))
            _set_path(doc, key, plain(value), label, problems)
            origin[(key.split(".")[0],)] = "command line (--set)"
    try:
        scenario = _validate(doc, origin, label, stem, max_runs)
    except ScenarioError as err:
        raise ScenarioError(problems + err.problems, err.more) from None
    if problems:
        raise ScenarioError(problems)
    scenario.overrides = {k: {"stated": canonical_json(v), "used": canonical_json(_stated_value(doc, k))} for k, v in stated.items()}
    return scenario


def _stated_value(doc: dict, path: str):
    """The value at an override's key path in the document (the model default when absent, None if unknown)."""
    parts = path.split(".")
    if len(parts) == 1 and parts[0] in TOP_KEYS and parts[0] not in SECTIONS:
        return doc.get(parts[0], {"replications": 10}.get(parts[0]))
    if parts[0] == "variants":
        body = (doc.get("variants") or {}).get(parts[1]) if len(parts) > 1 else None
        return body.get(".".join(parts[2:])) if isinstance(body, dict) else None
    name = parts[-1]
    reg = registry()
    for section in SECTIONS:
        body = doc.get(section)
        if isinstance(body, dict) and name in body:
            return body[name]
    return reg[name].default if name in reg else None


def loads(text: str, label: str = "<string>", max_runs: int = MAX_RUNS) -> Scenario:
    """Validated :class:`Scenario` from YAML text (no ``extends``)."""
    max_runs = _check_max_runs(max_runs)
    problems: list[Problem] = []
    doc = _parse(lambda: text, label, problems)
    if doc is None:
        raise ScenarioError(problems)
    if "extends" in doc:
        problems.append(Problem(label, "extends", doc.pop("extends"), "a scenario file (extends works only in files)"))
    try:
        scenario = _validate(doc, {}, label, "scenario", max_runs)
    except ScenarioError as err:
        raise ScenarioError(problems + err.problems, err.more) from None
    if problems:
        raise ScenarioError(problems)
    return scenario


__all__ = [
    "DEFAULT_OUTPUTS",
    "MAX_PROBLEMS",
    "MAX_RUNS",
    "OUTPUTS",
    "Problem",
    "RunSpec",
    "Scenario",
    "ScenarioError",
    "canonical",
    "load",
    "loads",
    "parse_set",
    "run_count",
    "sweep_column",
]
