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
the value found and what is allowed (with "did you mean" for misspelt keys).

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
import difflib
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from rural_abm.model import registry
from rural_abm.model.schedules import Schedule

from .readings import OUTPUT_NAMES, check_reading

SCHEMA_VERSION = 1
DEFAULT_SEED = 20240101
DEFAULT_OUTPUTS = (
    "income_per_capita_mean",
    "poverty_headcount_ratio",
    "hollowing_index",
    "returned_voluntary",
    "enterprises_active",
)
TOP_KEYS = {
    "version": "schema version, 1",
    "name": "a non-empty string",
    "description": "a string: the question the scenario answers",
    "extends": "a relative path to another scenario file",
    "parameters": "a mapping of model parameter -> value",
    "policy": "a mapping of policy lever -> number or schedule",
    "variants": "a mapping of variant name -> overrides",
    "baseline": "the name of one variant",
    "sweep": "a mapping of key path -> list of values",
    "replications": "an integer in [1, 100000]",
    "seed": "an integer in [0, 2**63)",
    "effect_year": "a calendar year within the simulated years",
    "outputs": "a list of county metrics (or <metric>_cum: summed over the reading)",
    "effect_windows": "a list of further readings: years (2025) or windows '2021-2025'",
}
SECTIONS = ("parameters", "policy")
OUTPUTS = OUTPUT_NAMES  # county metrics and their sums <metric>_cum (experiment/readings.py)


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


_MISSING = object()


def _show(value) -> str:
    if value is _MISSING:
        return "nothing (the key is missing)"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


class ScenarioError(ValueError):
    """A scenario has one or more problems; ``problems`` lists each."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        n = len(self.problems)
        head = f"invalid scenario ({n} problem{'s' if n != 1 else ''}):"
        super().__init__(head + "".join(f"\n  - {p}" for p in self.problems))


def _did_you_mean(word, choices) -> str:
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else ""


# ---------------------------------------------------------------- reading + extends
def _read_yaml(path: Path, problems: list[Problem], label: str, from_file: str, from_key: str):
    """Parsed YAML mapping of ``path``, or None after recording a problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(from_file, from_key, str(path), "an existing scenario file"))
        return None
    except (OSError, UnicodeDecodeError) as err:
        problems.append(Problem(from_file, from_key, str(path), f"a readable UTF-8 text file ({err.__class__.__name__})"))
        return None
    return _parse_text(text, label, problems)


def _parse_text(text: str, label: str, problems: list[Problem]):
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(err, "problem", None) or str(err).splitlines()[0]
        problems.append(Problem(label, where, f"malformed YAML ({what})", "a YAML mapping (key: value lines)"))
        return None
    except Exception as err:  # noqa: BLE001 - YAML can fail in odd ways on odd input
        problems.append(Problem(label, "", f"unreadable YAML ({err.__class__.__name__})", "a YAML mapping"))
        return None
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        problems.append(Problem(label, "", doc, "a YAML mapping at the top level (key: value lines)"))
        return None
    bad = [k for k in doc if not isinstance(k, str)]
    for k in bad:
        problems.append(Problem(label, "", k, "string keys only"))
        del doc[k]
    return doc


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
            else:
                got = _load_chain(target, problems, origin, (*chain, path.resolve()), label, "extends")
                if got is not None:
                    parent = got
    for key in doc:
        origin.setdefault((key,), label)
    return _merge(parent, doc, origin, label)


# ---------------------------------------------------------------- key paths
def _param_path(path: str, label: str, where: str, problems: list[Problem]):
    """('parameters'|'policy', name) for a dotted path or bare parameter name, or None."""
    reg = registry()
    parts = path.split(".") if isinstance(path, str) else [path]
    if len(parts) == 1:
        name = parts[0]
        if name in reg:
            return ("policy" if reg[name].group == "policy" else "parameters", name)
        hint = _did_you_mean(name, list(reg) + [f"{s}." for s in SECTIONS])
        problems.append(Problem(label, where, path, "parameters.<model parameter>, policy.<lever> or a model parameter name", hint))
        return None
    if len(parts) != 2 or parts[0] not in SECTIONS:
        hint = _did_you_mean(parts[0], SECTIONS)
        problems.append(Problem(label, where, path, "a key path parameters.<name> or policy.<lever>", f"{hint}.{'.'.join(parts[1:])}" if hint else ""))
        return None
    section, name = parts
    allowed = _section_names(section)
    if name not in allowed:
        hint = _did_you_mean(name, allowed)
        if not hint and section == "policy" and name in reg:
            hint = f"parameters.{name}"
        elif not hint and section == "parameters" and name in reg:
            hint = ""
        problems.append(Problem(label, where, path, f"a known {'policy lever' if section == 'policy' else 'model parameter'}", hint))
        return None
    return (section, name)


def _section_names(section: str) -> list[str]:
    reg = registry()
    if section == "policy":
        return [n for n, p in reg.items() if p.group == "policy"]
    return list(reg)


def _flatten_overrides(value, label: str, where: str, problems: list[Problem]) -> dict:
    """{(section, name): value} from a variant mapping (dotted or nested keys)."""
    out = {}
    if value is None:
        return out
    if not isinstance(value, dict):
        problems.append(Problem(label, where, value, "a mapping of key path -> value (or {} for no change)"))
        return out
    for key, v in value.items():
        if key == "description":
            if not isinstance(v, str):
                problems.append(Problem(label, f"{where}.description", v, "a string"))
            continue
        if key in SECTIONS and isinstance(v, dict):
            for sub, vv in v.items():
                got = _param_path(f"{key}.{sub}", label, f"{where}.{key}.{sub}", problems)
                if got:
                    out[got] = vv
            continue
        got = _param_path(key, label, f"{where}.{key}", problems)
        if got:
            out[got] = v
    return out


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


def _check_param(name: str, value, label: str, where: str, problems: list[Problem]):
    p = registry()[name]
    try:
        return p.check(value)
    except ValueError as err:
        msg = str(err)
        allowed = msg.split("allowed: ", 1)[1] if "allowed: " in msg else p.allowed()
        if p.kind == "schedule" and "; allowed:" in msg and "found" not in msg.split(";")[0]:
            allowed = f"{allowed} ({msg.split(': ', 1)[1].split('; allowed')[0]})"
        problems.append(Problem(label, where, value, allowed))
        return _MISSING
    except Exception:  # noqa: BLE001 - odd values (e.g. unhashable) must not escape as tracebacks
        problems.append(Problem(label, where, value, p.allowed()))
        return _MISSING


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


def _package_version() -> str:
    try:
        from rural_abm import __version__

        return str(__version__)
    except Exception:  # noqa: BLE001
        return "unknown"


# ---------------------------------------------------------------- validation
def _is_int(x) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, bool)


def _validate(doc: dict, origin: dict, label: str, stem: str) -> Scenario:
    problems: list[Problem] = []

    def where(*path) -> str:
        for i in range(len(path), 0, -1):
            if tuple(path[:i]) in origin:
                return origin[tuple(path[:i])]
        return label

    for key in list(doc):
        if key not in TOP_KEYS:
            problems.append(Problem(where(key), key, doc[key], "one of the keys " + ", ".join(TOP_KEYS), _did_you_mean(key, TOP_KEYS)))

    version = doc.get("version", SCHEMA_VERSION)
    if not _is_int(version) or version != SCHEMA_VERSION:
        problems.append(Problem(where("version"), "version", version, f"{SCHEMA_VERSION} (the only schema version)"))

    name = doc.get("name", stem)
    if not isinstance(name, str) or not name.strip():
        problems.append(Problem(where("name"), "name", name, TOP_KEYS["name"]))
        name = stem
    description = doc.get("description", "")
    if not isinstance(description, str):
        problems.append(Problem(where("description"), "description", description, TOP_KEYS["description"]))
        description = ""

    # model parameters and policy
    checked = {}
    sections = {}
    for section in SECTIONS:
        body = doc.get(section, {})
        if body is None:
            body = {}
        if not isinstance(body, dict):
            problems.append(Problem(where(section), section, body, TOP_KEYS[section]))
            body = {}
        allowed = _section_names(section)
        out = {}
        for pname, value in body.items():
            path = f"{section}.{pname}"
            if pname not in allowed:
                hint = _did_you_mean(pname, allowed)
                if not hint and section == "policy" and pname in registry():
                    hint = f"parameters.{pname}"
                what = "a policy lever: " + ", ".join(allowed) if section == "policy" else "a model parameter (see rural_abm/model/parameters.yaml)"
                problems.append(Problem(where(section, pname), path, pname, what, hint))
                continue
            if pname in checked:
                problems.append(Problem(where(section, pname), path, value, f"each parameter once (also set as {checked[pname]})"))
                continue
            got = _check_param(pname, value, where(section, pname), path, problems)
            if got is not _MISSING:
                out[pname] = value
                checked[pname] = path
        sections[section] = out

    # variants
    raw_variants = doc.get("variants", None)
    variants, variant_docs = {}, {}
    if raw_variants is None:
        raw_variants = {"baseline": {}}
    if not isinstance(raw_variants, dict) or not raw_variants:
        problems.append(Problem(where("variants"), "variants", raw_variants, TOP_KEYS["variants"] + " (at least one)"))
        raw_variants = {"baseline": {}}
    for vname, body in raw_variants.items():
        vwhere = f"variants.{vname}"
        if not isinstance(vname, str) or not vname.strip() or any(c in vname for c in "/\\\n"):
            problems.append(Problem(where("variants"), "variants", vname, "variant names: non-empty strings without slashes"))
            continue
        over = _flatten_overrides(body, where("variants"), vwhere, problems)
        good = {}
        for (section, pname), value in over.items():
            got = _check_param(pname, value, where("variants"), f"{vwhere}.{section}.{pname}", problems)
            if got is not _MISSING:
                good[(section, pname)] = value
        variants[vname] = good
        if isinstance(body, dict) and isinstance(body.get("description"), str):
            variant_docs[vname] = body["description"]

    baseline = doc.get("baseline", "baseline" if "baseline" in variants else next(iter(variants), "baseline"))
    if not isinstance(baseline, str) or baseline not in variants:
        hint = _did_you_mean(baseline, variants)
        problems.append(Problem(where("baseline"), "baseline", baseline, "the name of a variant: " + ", ".join(map(str, variants)), hint))

    # sweep
    sweep = {}
    raw_sweep = doc.get("sweep", None) or {}
    if not isinstance(raw_sweep, dict):
        problems.append(Problem(where("sweep"), "sweep", raw_sweep, TOP_KEYS["sweep"]))
        raw_sweep = {}
    columns = {}
    for path, values in raw_sweep.items():
        swhere = f"sweep.{path}"
        got = _param_path(path, where("sweep"), swhere, problems)
        if not got:
            continue
        if not isinstance(values, list) or not values:
            problems.append(Problem(where("sweep"), swhere, values, "a non-empty list of values"))
            continue
        col = sweep_column(path)
        if col in columns:
            problems.append(Problem(where("sweep"), swhere, path, f"each parameter swept once (also {columns[col]})"))
            continue
        columns[col] = path
        ok = True
        for i, v in enumerate(values):
            if _check_param(got[1], v, where("sweep"), f"{swhere}[{i}]", problems) is _MISSING:
                ok = False
        if ok and len({json.dumps(canonical_json(v), sort_keys=True) for v in values}) != len(values):
            problems.append(Problem(where("sweep"), swhere, values, "distinct values"))
            ok = False
        if ok:
            sweep[f"{got[0]}.{got[1]}"] = list(values)

    replications = doc.get("replications", 10)
    if not _is_int(replications) or not 1 <= replications <= 100000:
        problems.append(Problem(where("replications"), "replications", replications, TOP_KEYS["replications"]))
        replications = 1
    seed = doc.get("seed", DEFAULT_SEED)
    if not _is_int(seed) or not 0 <= seed < 2**63:
        problems.append(Problem(where("seed"), "seed", seed, TOP_KEYS["seed"]))
        seed = DEFAULT_SEED

    outputs = doc.get("outputs", list(DEFAULT_OUTPUTS))
    if isinstance(outputs, str):
        outputs = [outputs]
    if not isinstance(outputs, list) or not outputs:
        problems.append(Problem(where("outputs"), "outputs", outputs, "a non-empty list of county metrics (or <metric>_cum): " + ", ".join(o for o in OUTPUTS if not o.endswith("_cum"))))
        outputs = list(DEFAULT_OUTPUTS)
    good_out = []
    for i, o in enumerate(outputs):
        if o not in OUTPUTS:
            problems.append(Problem(where("outputs"), f"outputs[{i}]", o, "a county metric (rural_abm/model/metrics.py COUNTY_METRICS) or <metric>_cum", _did_you_mean(o, OUTPUTS)))
        elif o not in good_out:
            good_out.append(o)

    # effect year: inside the simulated calendar of every variant and sweep point
    reg = registry()
    base_params = {**sections["parameters"], **sections["policy"]}
    calendars = set()
    scen_points = _grid_points(sweep)
    for over in (variants or {"baseline": {}}).values():
        for point in scen_points:
            kw = _run_params(base_params, point, over)
            calendars.add((int(kw.get("start_year", reg["start_year"].default)), int(kw.get("n_years", reg["n_years"].default))))
    first = max(s for s, _ in calendars)
    last = min(s + n - 1 for s, n in calendars)
    effect_year = doc.get("effect_year", _MISSING)
    if effect_year is _MISSING:
        effect_year = last
    elif not _is_int(effect_year) or not first <= effect_year <= last:
        allowed = f"a calendar year in [{first}, {last}] (simulated years)" if first <= last else "a simulated year (variants share no simulated year)"
        problems.append(Problem(where("effect_year"), "effect_year", effect_year, allowed))
        effect_year = last
    effect_windows = _check_windows(doc.get("effect_windows", []), first, last, where("effect_windows"), problems)

    # every variant x point must be a valid model parameter set (cross-parameter rules)
    if not problems and not variants:
        problems.append(Problem(where("variants"), "variants", raw_variants, TOP_KEYS["variants"] + " (at least one valid variant)"))
    if not problems:
        from rural_abm.model.parameters import resolve  # local: only for the cross-field rules

        seen = set()
        for v, over in variants.items():
            for point in scen_points:
                kw = _run_params(base_params, point, over)
                try:
                    resolve(**kw)
                except Exception as err:  # noqa: BLE001
                    text = str(err).split("\n  - ")[1:] or [str(err)]
                    for t in text:
                        if t not in seen:
                            seen.add(t)
                            problems.append(Problem(label, f"variants.{v}" + (f" at sweep {dict(point)}" if point else ""), t, "a consistent model parameter set"))

    if problems:
        raise ScenarioError(problems)
    return Scenario(
        name=name.strip(),
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
        outputs=good_out,
        document=doc,
        effect_windows=effect_windows,
    )


def _check_windows(raw, first: int, last: int, label: str, problems: list[Problem]) -> list[str]:
    """effect_windows: labels of further readings ('2025', '2021-2025'), each within the simulated years."""
    if not isinstance(raw, list):
        problems.append(Problem(label, "effect_windows", raw, TOP_KEYS["effect_windows"]))
        return []
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
    if len(parts) == 1 and parts[0] in TOP_KEYS and parts[0] not in SECTIONS:
        doc[parts[0]] = value
        return
    if len(parts) >= 2 and parts[0] == "variants":
        variants = doc.setdefault("variants", {})
        if not isinstance(variants, dict) or parts[1] not in variants:
            problems.append(Problem(label, f"--set {path}", path, "variants.<existing variant>.<key path>", _did_you_mean(parts[1], variants if isinstance(variants, dict) else [])))
            return
        body = variants[parts[1]]
        if body is None:
            body = variants[parts[1]] = {}
        if not isinstance(body, dict):
            return
        body[".".join(parts[2:])] = value
        return
    got = _param_path(path, label, f"--set {path}", problems)
    if got:
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
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            problems.append(Problem("command line", f"--set {key}", text, "a YAML value"))
            continue
        out.append((key.strip(), value))
    if problems:
        raise ScenarioError(problems)
    return out


def load(source, overrides=None) -> Scenario:
    """Validated :class:`Scenario` from a file path, a YAML string path, or a dict.

    ``overrides`` is a list of (key path, value) or a mapping applied to the
    merged document before validation: top-level keys (``replications``),
    model parameters (``n_people``, ``parameters.n_people``, ``policy.x``) or
    ``variants.<name>.<key path>``.
    """
    problems: list[Problem] = []
    origin: dict = {}
    if isinstance(source, dict):
        label, stem = "<dict>", "scenario"
        doc = copy.deepcopy(source)
        if "extends" in doc:
            problems.append(Problem(label, "extends", doc["extends"], "a scenario file (extends works only in files)"))
            doc.pop("extends")
        for k in [k for k in doc if not isinstance(k, str)]:
            problems.append(Problem(label, "", k, "string keys only"))
            del doc[k]
    elif isinstance(source, (str, Path)):
        path = Path(source)
        label, stem = str(path), path.stem
        if not path.is_file():
            raise ScenarioError([Problem(label, "", str(path), "an existing scenario file (YAML)")])
        doc = _load_chain(path.resolve(), problems, origin, (), label, "")
        if doc is None:
            raise ScenarioError(problems)
        origin = {k: (label if v == str(path.resolve()) else v) for k, v in origin.items()}
        label = str(path)
    else:
        raise ScenarioError([Problem("<input>", "", type(source).__name__, "a path to a YAML file or a dict")])
    stated = {}
    if overrides:
        items = overrides.items() if isinstance(overrides, dict) else overrides
        for key, value in items:
            stated.setdefault(key, _stated_value(doc, key))
            _set_path(doc, key, value, label, problems)
            origin[(key.split(".")[0],)] = "command line (--set)"
    try:
        scenario = _validate(doc, origin, label, stem)
    except ScenarioError as err:
        raise ScenarioError(problems + err.problems) from None
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


def loads(text: str, label: str = "<string>") -> Scenario:
    """Validated :class:`Scenario` from YAML text (no ``extends``)."""
    problems: list[Problem] = []
    doc = _parse_text(text, label, problems)
    if doc is None:
        raise ScenarioError(problems)
    if "extends" in doc:
        problems.append(Problem(label, "extends", doc["extends"], "a scenario file (extends works only in files)"))
        doc.pop("extends")
    try:
        scenario = _validate(doc, {}, label, "scenario")
    except ScenarioError as err:
        raise ScenarioError(problems + err.problems) from None
    if problems:
        raise ScenarioError(problems)
    return scenario


__all__ = [
    "DEFAULT_OUTPUTS",
    "OUTPUTS",
    "Problem",
    "RunSpec",
    "Scenario",
    "ScenarioError",
    "canonical",
    "load",
    "loads",
    "parse_set",
    "sweep_column",
]
