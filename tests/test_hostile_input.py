"""Hostile and careless input: NaN everywhere a number goes, the reading limits, names, and a fuzz of
scenario documents. Every input ends in a Scenario or the project's own error (one line per problem),
never a traceback and never a silent default."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pydantic import ValidationError

from rural_abm.experiment import scenario_input
from rural_abm.experiment.scenario_schema import document_model
from rural_abm.experiment.scenario import MAX_PROBLEMS, MAX_RUNS, ScenarioError, load, loads, parse_set
from rural_abm.model import ParameterError, RuralModel, registry

BASE = {"parameters": {"n_people": 100, "n_years": 3}, "replications": 2}
NUMERIC = [n for n, p in registry().items() if p.kind in ("int", "float", "schedule")]
SCHEDULES = [n for n, p in registry().items() if p.kind == "schedule"]
BAD_NUMBERS = [math.nan, math.inf, -math.inf]


def problems_of(source, **kw) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load(source, **kw) if not isinstance(source, str) else loads(source, **kw)
    return [str(p) for p in info.value.problems]


# ------------------------------------------------------------------ NaN and infinities
def _schedule_slots(bad):
    """Every place a number goes in the four schedule forms, with ``bad`` there."""
    yield {"constant": bad}
    for k in ("year", "before", "after"):
        yield {"step": {"year": 2020, "before": 0, "after": 0, k: bad}}
    for k in ("start", "end", "from", "to"):
        yield {"ramp": {"start": 2020, "end": 2022, "from": 0, "to": 0, k: bad}}
    yield {"piecewise": [[2020, 0], [bad, 0]]}
    yield {"piecewise": [[2020, 0], [2021, bad]]}


@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=["nan", "inf", "-inf"])
def test_nan_and_infinity_are_refused_everywhere_a_number_goes(bad):
    """Guards: allow_inf_nan=False in the scenario model and the registry's own NaN check behind it."""
    with pytest.raises(ValidationError):  # the schema alone refuses it, before the registry sees it
        document_model().model_validate({"parameters": {"urban_wage": bad}, "policy": {"land_reform": {"step": {"year": 2020, "before": 0, "after": bad}}}})
    for name in NUMERIC:
        section = "policy" if registry()[name].group == "policy" else "parameters"
        (msg,) = problems_of({**BASE, section: {**BASE.get(section, {}), name: bad}})
        assert f"{section}.{name}" in msg and "found" in msg, msg
        with pytest.raises(ParameterError, match=name):
            RuralModel(**{name: bad})
    for name in SCHEDULES:
        for spec in _schedule_slots(bad):
            msgs = problems_of({**BASE, "policy" if registry()[name].group == "policy" else "parameters": {name: spec}})
            assert msgs and all(name in m for m in msgs), (spec, msgs)
    for key in ("replications", "seed", "effect_year", "version"):
        assert any(m.split(": ")[1] == key for m in problems_of({**BASE, key: bad}))
    assert problems_of({**BASE, "sweep": {"parameters.urban_wage": [40000, bad]}})
    assert problems_of({**BASE, "variants": {"baseline": {}, "v": {"policy.land_reform": bad}}})
    text = {math.inf: ".inf", -math.inf: "-.inf"}.get(bad, ".nan")
    assert problems_of(BASE, overrides=parse_set([f"land_reform={text}"]))
    assert problems_of(BASE, overrides=parse_set([f"poverty_transfer={{step: {{year: 2021, before: 0, after: {text}}}}}"]))


# ------------------------------------------------------------------ reading limits
def test_empty_documents_are_refused(tmp_path):
    """Guards: an empty scenario no longer runs the defaults at full size."""
    for text in ("", "   \n", "# only a comment\n", "{}\n", "~\n"):
        path = tmp_path / "empty.yaml"
        path.write_text(text)
        (msg,) = problems_of(path)
        assert "empty" in msg and str(path) in msg
    assert "empty" in problems_of({})[0]


def test_duplicate_keys_are_refused_with_their_line():
    """Guards: the loader's duplicate-key check (YAML would keep the last silently)."""
    (msg,) = problems_of("replications: 2\nparameters: {n_people: 100}\nreplications: 3\n")
    assert "'replications' a second time" in msg and "line 3" in msg
    (msg,) = problems_of("parameters:\n  n_people: 100\n  n_people: 200\n")
    assert "'n_people' a second time" in msg


def test_anchor_bombs_recursion_and_deep_nesting_are_refused():
    """Guards: the alias count, expanded-size and depth limits of scenario_input."""
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
    )
    assert "values once aliases are expanded" in problems_of(bomb)[0]
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * (scenario_input.MAX_ALIASES + 1)) + "]\n"
    assert f"more than {scenario_input.MAX_ALIASES} aliases" in problems_of(many)[0]
    assert "contains itself" in problems_of("a: &a [1, *a]\n")[0]
    assert "nested" in problems_of("a: " + "[" * 2000 + "]" * 2000 + "\n")[0]
    assert "nested" in problems_of("a: " + "[" * 40 + "]" * 40 + "\n")[0]
    nested = {}
    nested["self"] = nested
    assert "nested" in problems_of({**BASE, "description": nested})[0]


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    """Guards: MAX_FILE_BYTES (a 50 MB file of unknown keys once ran for minutes)."""
    path = tmp_path / "big.yaml"
    path.write_text("".join(f"k{i}: {i}\n" for i in range(scenario_input.MAX_FILE_BYTES // 8)))
    (msg,) = problems_of(path)
    assert f"{scenario_input.MAX_FILE_BYTES:,} bytes" in msg


def test_the_error_list_is_capped_and_counts_the_rest():
    """Guards: MAX_PROBLEMS; 20,000 unknown keys give 50 lines and a count, not a 45 MB message."""
    with pytest.raises(ScenarioError) as info:
        load({**BASE, "parameters": {f"nope_{i}": 1 for i in range(20_000)}})
    err = info.value
    assert len(err.problems) == MAX_PROBLEMS and err.more == 20_000 - MAX_PROBLEMS
    assert f"and {20_000 - MAX_PROBLEMS} more problems" in str(err) and len(str(err)) < 30_000


def test_grids_over_the_run_limit_are_refused_without_building_them():
    """Guards: the run limit, computed from list lengths (a 24,300,000-run grid is refused at once)."""
    values = {f"parameters.{n}": [0.1 + i / 1000 for i in range(30)] for n in ("initial_skill_sd", "training_skill_gain", "land_reform", "tenure_security", "monitoring_coverage")}
    (msg,) = problems_of({**BASE, "sweep": values, "replications": 1})
    assert "24,300,000 runs" in msg and f"at most {MAX_RUNS:,}" in msg and "--max-runs" in msg
    doc = {**BASE, "sweep": {"parameters.urban_wage": list(range(40000, 40060))}, "replications": 1000, "variants": {"baseline": {}, "v": {}}}
    assert "120,000 runs" in problems_of(doc)[0]
    assert load(doc, max_runs=120_000).replications == 1000


@pytest.mark.parametrize("name", ["../outside", "/tmp/abs", "a/b", "..", ".", "a\\b", "x\ny", ""])
def test_names_that_would_write_outside_the_output_folder_are_refused(name):
    """Guards: the Name type (scenario and variant names become folder and file names)."""
    assert any("name" in m for m in problems_of({**BASE, "name": name}))
    assert any("variant names" in m for m in problems_of({**BASE, "variants": {name: {}, "baseline": {}}}))


def test_set_cannot_silently_do_nothing():
    """Guards: --set extends=... and --set into a variant that is not a mapping are refused, not ignored."""
    (msg,) = problems_of(BASE, overrides=[("extends", "other.yaml")])
    assert "--set extends" in msg and "only inside a scenario file" in msg
    msgs = problems_of({**BASE, "variants": {"baseline": {}, "v": {}}}, overrides=[("variants.v.policy.land_refrom", 0.5)])
    assert "did you mean 'policy.land_reform'" in msgs[0]


def test_schedule_typos_say_what_is_wrong_inside_the_schedule():
    """Guards: schedule forms as models: unknown and missing keys, order, unknown forms, each located."""
    cases = [
        ({"ramp": {"start": 2021, "ed": 2025, "from": 1, "to": 0}}, ["policy.poverty_transfer.ramp.ed", "did you mean 'end'"]),
        ({"ramp": {"start": 2021, "end": 2025, "from": 1}}, ["policy.poverty_transfer.ramp.to: found nothing"]),
        ({"rmap": {"start": 2021, "end": 2025, "from": 1, "to": 0}}, ["did you mean 'ramp'", "step: {year, before, after}"]),
        ({"step": {"year": "2021", "before": 1, "after": 0}}, ["policy.poverty_transfer.step.year: found '2021'"]),
        ({"piecewise": [[2021, 1], [2020, 0]]}, ["policy.poverty_transfer.piecewise", "years that increase"]),
        ({"ramp": {"start": 2025, "end": 2021, "from": 1, "to": 0}}, ["end (2021) after start (2025)"]),
    ]
    for spec, expected in cases:
        msgs = problems_of({**BASE, "policy": {"poverty_transfer": spec}})
        assert any(all(e in m for e in expected) for m in msgs), (spec, msgs)


def test_numpy_values_in_a_python_mapping_are_accepted_as_numbers():
    sc = load({"parameters": {"n_people": np.int64(100), "n_years": np.int32(3), "urban_wage": np.float64(41000)}, "replications": np.int64(2)})
    assert sc.parameters["n_people"] == 100 and sc.replications == 2 and isinstance(sc.replications, int)


# ------------------------------------------------------------------ fuzz
PATHS = ["parameters.n_people", "parameters.n_years", "policy.land_reform", "policy.poverty_transfer", "urban_wage", "training_coverage", "nonsense"]
numbers = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-(10**30), 10**30), st.sampled_from([0, 1, 2, 3, 0.5, 2020, 2021, 100]))
schedules = st.one_of(
    st.fixed_dictionaries({"step": st.fixed_dictionaries({"year": numbers, "before": numbers, "after": numbers})}),
    st.fixed_dictionaries({"ramp": st.fixed_dictionaries({"start": numbers, "end": numbers, "from": numbers, "to": numbers})}),
    st.fixed_dictionaries({"piecewise": st.lists(st.lists(numbers, min_size=2, max_size=2), max_size=3)}),
)
leaves = st.one_of(numbers, schedules, st.booleans(), st.none(), st.text(max_size=6), st.sampled_from(["baseline", "v", "all", ".."]))
nested = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(PATHS), inner, max_size=3)), max_leaves=12)
values = st.one_of(st.sampled_from([0, 1, 2, 3, 0.5, 100, 2016]), nested)  # plausible values often, so some documents pass
documents = st.fixed_dictionaries(
    {},
    optional={
        "parameters": st.dictionaries(st.sampled_from(["n_people", "n_years", "urban_wage", "n_villages"]), values, max_size=3),
        "policy": st.dictionaries(st.sampled_from(["land_reform", "poverty_transfer", "training_coverage"]), values, max_size=2),
        "variants": st.dictionaries(st.sampled_from(["baseline", "v", "w", "../x"]), st.one_of(st.none(), st.dictionaries(st.sampled_from(PATHS), values, max_size=2)), max_size=3),
        "sweep": st.dictionaries(st.sampled_from(PATHS), st.lists(values, max_size=3), max_size=2),
        "replications": values, "seed": values, "effect_year": values, "baseline": values, "name": values,
        "outputs": st.one_of(values, st.lists(st.sampled_from(["resident", "poverty_headcount_ratio", "povrty"]), max_size=3)),
    },
)  # fmt: skip


def _has_nan(value) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    return False


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(documents, st.data())
def test_fuzz_scenario_documents_with_nan_huge_nested_and_aliased_values(doc, data):
    """Guards: the whole loader. A YAML text with NaN, huge, nested and aliased values (shared objects
    become anchors and aliases) is accepted or refused with ScenarioError; an accepted one holds no NaN
    and shows every value it was given (no silent default)."""
    shared = data.draw(st.lists(numbers, min_size=1, max_size=3))
    for key in data.draw(st.lists(st.sampled_from(["parameters", "policy", "sweep"]), max_size=2)):
        if isinstance(doc.get(key), dict) and doc[key]:
            doc[key][next(iter(doc[key]))] = shared  # the same object twice -> &id001 / *id001 in the text
    text = yaml.safe_dump(doc, sort_keys=False)
    try:
        sc = loads(text)
    except ScenarioError as err:
        assert err.problems and all(str(p).startswith("<string>") for p in err.problems)
        return
    parsed = yaml.safe_load(text) or {}
    assert not _has_nan(parsed), "a NaN or infinity was accepted"
    json.dumps(sc.resolved(), allow_nan=False)
    for section in ("parameters", "policy"):
        assert getattr(sc, section) == (parsed.get(section) or {})
    for key in ("replications", "seed", "effect_year", "baseline"):
        if parsed.get(key) is not None:
            assert getattr(sc, key) == parsed[key], key
    if parsed.get("variants"):
        assert list(sc.variants) == list(parsed["variants"])
