"""Scenario files: schema, extends, variants, sweeps, run keys, and every kind of bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rural_abm.experiment.scenario import ScenarioError, load, loads, parse_set

ROOT = Path(__file__).resolve().parents[1]
STUDIES = ("calibrate_", "sensitivity_")  # calibration and sensitivity files (tests/test_calibrate.py, test_sensitivity.py)
SCENARIOS = sorted(p for p in (ROOT / "scenarios").glob("*.yaml") if not p.name.startswith(STUDIES))

SMALL = {
    "name": "small",
    "parameters": {"n_people": 500, "n_years": 4},
    "variants": {"baseline": {}, "transfers": {"policy.poverty_transfer": 1500}},
    "replications": 2,
    "seed": 3,
}


def write(tmp_path: Path, name: str, doc) -> Path:
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc, sort_keys=False))
    return path


def problems_of(source, overrides=None) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load(source, overrides=overrides)
    return [str(p) for p in info.value.problems]


# ------------------------------------------------------------------ valid input
def test_minimal_dict_gets_defaults():
    sc = load({"parameters": {"n_people": 500, "n_years": 5}})
    assert sc.variants == {"baseline": {}} and sc.baseline == "baseline"
    assert sc.effect_year == 2015 + 5 - 1
    assert sc.replications >= 1 and sc.outputs
    assert len(sc.runs()) == sc.replications


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_catalogue_scenarios_are_valid_and_say_their_question(path):
    sc = load(path)
    text = path.read_text()
    assert text.lstrip().startswith("# Question:"), "each scenario opens with a comment block stating its question"
    assert sc.description.strip()
    assert sc.baseline in sc.variants
    assert sc.start_year <= sc.effect_year <= sc.start_year + sc.n_years - 1


def test_catalogue_is_complete():
    names = {p.stem for p in SCENARIOS}
    assert {"baseline", "vicious_circle", "policy_levers", "transition_variants", "epidemic_shock", "huichuan_package"} <= names


def test_extends_merges_parameters_key_by_key(tmp_path):
    write(tmp_path, "parent.yaml", {"parameters": {"n_people": 700, "n_years": 6}, "replications": 4, "outputs": ["resident"]})
    child = write(tmp_path, "child.yaml", {"extends": "parent.yaml", "parameters": {"n_years": 3}, "replications": 2})
    sc = load(child)
    assert sc.parameters == {"n_people": 700, "n_years": 3}
    assert sc.replications == 2 and sc.outputs == ["resident"]
    assert sc.name == "child"


def test_transition_variants_use_step_and_ramp_schedules():
    sc = load(ROOT / "scenarios" / "transition_variants.yaml")
    assert set(sc.variants) == {"keep_2021_2025", "stop_2021", "stop_all_2021", "phase_out"}
    assert sc.effect_year == 2021 and sc.effect_windows == ["2021-2025", "2026-2030"]
    assert {"return_to_poverty_cum", "poor_households_cum"} <= set(sc.outputs)
    from rural_abm.model.schedules import parse_schedule

    ramp = parse_schedule(sc.variants["phase_out"][("policy", "poverty_transfer")])
    assert ramp(2020) > ramp(2023) > ramp(2025) == 0
    stop = parse_schedule(sc.variants["stop_2021"][("policy", "poverty_transfer")])
    assert stop(2020) > 0 and stop(2021) == 0
    # monitoring stays at the model default in every variant but stop_all_2021, which ends it in 2021
    assert [v for v, over in sc.variants.items() if ("policy", "monitoring_coverage") in over] == ["stop_all_2021"]
    monitoring = parse_schedule(sc.variants["stop_all_2021"][("policy", "monitoring_coverage")])
    assert monitoring(2020) > 0 and monitoring(2021) == 0


def test_sweep_crosses_variants_and_variant_overrides_win():
    doc = dict(SMALL, sweep={"parameters.urban_wage": [40000, 50000], "policy.poverty_transfer": [0, 500]})
    sc = load(doc)
    points = sc.sweep_points()
    assert len(points) == 4
    runs = sc.runs()
    assert len(runs) == 4 * 2 * 2
    transfers = [r for r in runs if r.variant == "transfers"]
    assert {r.params["poverty_transfer"] for r in transfers} == {1500}
    assert sc.sweep_columns() == ["sweep_urban_wage", "sweep_poverty_transfer"]


# ------------------------------------------------------------------ keys and seeds
def test_run_keys_are_content_keys_and_seeds_are_common_random_numbers():
    sc = load(SMALL)
    runs = sc.runs()
    assert len({r.key for r in runs}) == len(runs)
    by = {(r.variant, r.replication): r for r in runs}
    for rep in range(2):
        a, b = by[("baseline", rep)], by[("transfers", rep)]
        assert a.key != b.key
        assert np.array_equal(a.seed_sequence.generate_state(4), b.seed_sequence.generate_state(4))
    assert not np.array_equal(by[("baseline", 0)].seed_sequence.generate_state(4), by[("baseline", 1)].seed_sequence.generate_state(4))
    # the same content gives the same keys whatever the order variants are written in
    flipped = dict(SMALL, variants={"transfers": SMALL["variants"]["transfers"], "baseline": {}})
    assert {r.key for r in load(flipped).runs()} == {r.key for r in runs}
    # equal values written differently give the same key; a changed value a new key
    same = dict(SMALL, variants={"baseline": {}, "transfers": {"policy": {"poverty_transfer": {"constant": 1500.0}}}})
    assert {r.key for r in load(same).runs()} == {r.key for r in runs}
    other = dict(SMALL, parameters={"n_people": 501, "n_years": 4})
    assert not {r.key for r in load(other).runs()} & {r.key for r in runs}


def test_overrides_resize_a_scenario():
    sc = load(ROOT / "scenarios" / "policy_levers.yaml", overrides=parse_set(["n_people=400", "replications=2", "seed=9"]))
    assert sc.parameters["n_people"] == 400 and sc.replications == 2 and sc.seed == 9
    sc = load(SMALL, overrides={"variants.transfers.policy.poverty_transfer": 99})
    assert sc.variants["transfers"][("policy", "poverty_transfer")] == 99
    assert sc.overrides == {"variants.transfers.policy.poverty_transfer": {"stated": 1500, "used": 99}}


def test_overrides_record_the_stated_size_for_the_report():
    sc = load(ROOT / "scenarios" / "policy_levers.yaml", overrides=parse_set(["n_people=2000", "replications=3"]))
    assert sc.overrides == {"n_people": {"stated": 5000, "used": 2000}, "replications": {"stated": 10, "used": 3}}
    assert sc.resolved()["overrides"] == sc.overrides
    assert load(ROOT / "scenarios" / "policy_levers.yaml").overrides == {}


def test_effect_windows_and_cumulative_outputs_are_checked():
    sc = load(dict(SMALL, effect_windows=[2016, "2015-2017", [2016, 2017]], outputs=["resident", "return_to_poverty_cum"]))
    assert sc.effect_windows == ["2016", "2015-2017", "2016-2017"] and sc.outputs == ["resident", "return_to_poverty_cum"]
    with pytest.raises(ScenarioError) as err:
        load(dict(SMALL, effect_windows=["2014-2016", "2017-2016", "soon"], outputs=["resident_cumm"]))
    text = str(err.value)
    assert "effect_windows[0]: found '2014-2016'" in text and "simulated years 2015-2018" in text
    assert "effect_windows[1]" in text and "FIRST <= LAST" in text and "effect_windows[2]: found 'soon'" in text
    assert "outputs[0]: found 'resident_cumm'" in text and "<metric>_cum" in text


# ------------------------------------------------------------------ bad input
def test_malformed_yaml_names_file_and_line(tmp_path):
    path = write(tmp_path, "bad.yaml", "name: x\nparameters: {n_people: 5\n  variants: [\n")
    (msg,) = problems_of(path)
    assert str(path) in msg and "malformed YAML" in msg and "line" in msg


def test_top_level_must_be_a_mapping(tmp_path):
    (msg,) = problems_of(write(tmp_path, "list.yaml", "- 1\n- 2\n"))
    assert "mapping" in msg


def test_missing_file_and_missing_extends(tmp_path):
    (msg,) = problems_of(tmp_path / "nope.yaml")
    assert "nope.yaml" in msg and "existing scenario file" in msg
    path = write(tmp_path, "child.yaml", {"extends": "gone.yaml"})
    (msg,) = problems_of(path)
    assert str(path) in msg and "extends" in msg and "gone.yaml" in msg


def test_circular_extends(tmp_path):
    write(tmp_path, "a.yaml", {"extends": "b.yaml"})
    write(tmp_path, "b.yaml", {"extends": "a.yaml"})
    msgs = problems_of(tmp_path / "a.yaml")
    assert len(msgs) == 1 and "circular" in msgs[0] and "extends" in msgs[0]
    write(tmp_path, "self.yaml", {"extends": "self.yaml"})
    assert "circular" in problems_of(tmp_path / "self.yaml")[0]


def test_problem_in_parent_names_the_parent_file(tmp_path):
    write(tmp_path, "parent.yaml", {"parameters": {"n_people": -5}})
    child = write(tmp_path, "child.yaml", {"extends": "parent.yaml", "replications": 2})
    (msg,) = problems_of(child)
    assert "parent.yaml: parameters.n_people: found -5" in msg


def test_unknown_variant_and_output():
    msgs = problems_of(dict(SMALL, baseline="basline", outputs=["povety_headcount_ratio"]))
    assert any("baseline: found 'basline'" in m and "did you mean 'baseline'" in m for m in msgs)
    assert any("outputs[0]" in m and "did you mean 'poverty_headcount_ratio'" in m for m in msgs)
    msgs = problems_of(SMALL, overrides={"variants.nothere.policy.poverty_transfer": 1})
    assert any("variants.nothere" in m for m in msgs)


def test_wrong_type_and_out_of_range_and_misspelt_keys_all_at_once(tmp_path):
    doc = {
        "nmae": "x",
        "parameters": {"n_people": "many", "n_yeras": 5, "initial_away_share": 1.5},
        "policy": {"poverty_transfer": {"ramp": {"start": 2021, "end": 2020, "from": 1, "to": 0}}, "urban_wage": 1},
        "variants": {"baseline": {}, "v": {"policy.land_reform": 2.0, "paramters.n_people": 3}},
        "replications": 0,
        "seed": "abc",
        "effect_year": 1900,
        "sweep": {"parameters.urban_wage": []},
    }
    path = write(tmp_path, "many.yaml", doc)
    msgs = problems_of(path)
    assert all(m.startswith(str(path)) and "found" in m and "allowed" in m for m in msgs)
    expect = [
        ("nmae", "did you mean 'name'"),
        ("parameters.n_people: found 'many'", "an integer in"),
        ("parameters.n_yeras", "did you mean 'n_years'"),
        ("parameters.initial_away_share: found 1.5", "[0, 0.95]"),
        ("policy.poverty_transfer", "ramp"),
        ("policy.urban_wage", "did you mean 'parameters.urban_wage'"),
        ("variants.v.policy.land_reform: found 2.0", "[0, 1]"),
        ("variants.v.paramters.n_people", "did you mean 'parameters.n_people'"),
        ("replications: found 0", "[1, 100000]"),
        ("seed: found 'abc'", "integer"),
        ("effect_year: found 1900", "[2015, 2044]"),
        ("sweep.parameters.urban_wage", "non-empty list"),
    ]
    for where, allowed in expect:
        assert any(where in m and allowed in m for m in msgs), (where, msgs)
    assert len(msgs) == len(expect)


def test_cli_validate_exits_nonzero_without_traceback(tmp_path):
    bad = write(tmp_path, "bad.yaml", {"parameters": {"n_peple": 100}, "replications": -1})
    proc = subprocess.run([sys.executable, "-m", "rural_abm.experiment", "validate", str(bad)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "did you mean 'n_people'" in proc.stderr and "replications" in proc.stderr
    good = write(tmp_path, "good.yaml", SMALL)
    proc = subprocess.run([sys.executable, "-m", "rural_abm.experiment", "validate", str(good)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "4 runs" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "rural_abm.experiment", "validate", str(good), "--set", "oops"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "KEY=VALUE" in proc.stderr


def test_a_key_that_looks_like_an_internal_union_tag_is_reported_as_a_key():
    """The schema tags its unions 'form:...' in pydantic's error paths and drops those tags from the paths it
    reports; a user's own key of that shape (found by the fuzz test below: {'form:': None}) is still named."""
    with pytest.raises(ScenarioError) as err:
        load({"form:": None, "parameters": {"n_people": 100}})
    assert "form:" in str(err.value) and "allowed" in str(err.value)


# ------------------------------------------------------------------ fuzzing
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["baseline", "n_people", "policy.poverty_transfer", "ramp", "step", "2020"]),
)  # fmt: skip
keys = st.one_of(
    st.text(max_size=10),
    st.sampled_from(["name", "parameters", "policy", "variants", "sweep", "replications", "seed", "effect_year", "outputs", "baseline", "version", "description",
                     "n_people", "n_years", "poverty_transfer", "policy.land_reform", "parameters.n_people", "constant", "step", "ramp", "piecewise"]),
)  # fmt: skip
documents = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)), max_leaves=25)


def _only_scenario_errors(fn):
    try:
        fn()
    except ScenarioError as err:
        assert err.problems and all(str(p) for p in err.problems)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, documents, max_size=8))
def test_fuzz_loader_with_random_documents(doc):
    doc.pop("extends", None)
    doc.setdefault("parameters", {"n_people": 100, "n_years": 2}) if isinstance(doc.get("parameters"), dict) else None
    _only_scenario_errors(lambda: load(doc))
    try:
        text = yaml.safe_dump(doc)
    except Exception:  # noqa: BLE001 - some random documents cannot be dumped
        return
    _only_scenario_errors(lambda: loads(text))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_fuzz_loader_with_random_text(text):
    _only_scenario_errors(lambda: loads(text))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(["parameters", "policy", "variants", "sweep", "replications", "outputs", "effect_year", "baseline", "seed"]), documents)
def test_fuzz_one_key_of_a_valid_scenario(key, value):
    doc = {**SMALL, key: value}
    _only_scenario_errors(lambda: load(doc).runs())


# ------------------------------------------------------------------ JSON Schema for editors
def test_schema_command_prints_a_json_schema_the_catalogue_meets(capsys):
    """`rural-abm schema` is a valid JSON Schema (2020-12); the catalogue passes it, a misspelt key does not."""
    import json

    jsonschema = pytest.importorskip("jsonschema")
    from rural_abm.cli import main

    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for path in SCENARIOS:
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    errors = [e.message for e in validator.iter_errors({"parameters": {"n_peple": 5, "n_people": -1}})]
    assert any("n_peple" in m for m in errors) and any("minimum" in m for m in errors)


def test_run_keys_carry_the_model_code(monkeypatch):
    """Guards the store against stale runs: the run key holds a digest of the model's code, defaults and data,
    so runs stored by an earlier model are never reused by --resume or a shared run store."""
    from rural_abm.experiment import scenario as scenario_module

    version = scenario_module._package_version()
    assert "+model." in version and len(version.split("+model.")[1]) == 12
    doc = "name: k\nparameters: {n_people: 200, n_years: 2}\nreplications: 2\n"
    keys = [r.key for r in loads(doc).runs()]
    monkeypatch.setattr(scenario_module, "_package_version", lambda: version + "-edited")  # another model's code
    assert set(keys).isdisjoint(r.key for r in loads(doc).runs())
