"""The alert evaluation runs the real detector on planted spikes and on the demo's wave."""

from __future__ import annotations

from typing import Any

import pytest

from brandradar.config import AlertRules
from brandradar.index.alert_evaluation import evaluate_demo, evaluate_simulated


def test_planted_spikes_are_found_and_quiet_weeks_stay_quiet() -> None:
    sim = evaluate_simulated(AlertRules(), runs=3)
    assert sim["spikes"] == 9
    assert sim["recall"] >= 0.8 and sim["precision"] >= 0.9
    assert sim["recall_by_size"][8.0] == 1.0
    assert sim["delay_median_h"] is not None and sim["delay_median_h"] <= 2
    assert sim["alerts_per_brand_week_quiet"] <= 0.2


def test_a_stricter_rule_finds_fewer_spikes() -> None:
    strict = evaluate_simulated(AlertRules(z=8.0, z_at_once=12.0), runs=3)
    assert strict["recall"] < evaluate_simulated(AlertRules(), runs=3)["recall"]


@pytest.mark.slow
def test_demo_wave_is_found_as_a_crisis(demo_run: dict[str, Any]) -> None:
    demo = evaluate_demo(demo_run["workdir"], AlertRules())
    assert demo["found"] and demo["kind"] == "crisis"
    assert demo["false_alarms"] == 0 and demo["delay_h"] is not None and demo["delay_h"] <= 3
