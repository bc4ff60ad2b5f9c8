"""The project's copy of the published targets parses and keeps the published values."""

from pathlib import Path

import yaml

TARGETS = Path(__file__).resolve().parent.parent / "rural_abm" / "data" / "targets.yaml"


def test_targets_parse_and_hold_the_published_figures():
    t = yaml.safe_load(TARGETS.read_text())
    assert t["huichuan_returnee_entrepreneurship"]["figures"] == {"working_away": 120000, "returned": 40000, "returned_and_started_business": 25000}
    assert t["jobs_per_returnee_venture"]["value"] == 6.5
    assert t["huichuan_microloans_2016"]["figures"] == {"loans_rmb": 96400000, "firms": 561}
    assert t["poverty_line"]["value_2020_prices_rmb"] == 4000
    assert t["incomes_2024"]["derived"]["urban_rural_ratio"] == 2.34
    assert t["timeline"]["transition_period"] == [2021, 2025]
