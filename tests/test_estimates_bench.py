"""The estimates simulator, small (one day per scenario, fixed seeds): it drives the real
`Office` through whole days and scores every estimator on the same draws. The figures of the
full run are in the README (`python -m bench.estimates`); here they must only come out, and
the office's own estimate must beat the estimate it replaced on the same days."""

from __future__ import annotations

import statistics

from bench import estimates
from server.core import simulation

CI_SEED = 7  # neither the tuning seeds nor the reported ones


def test_a_small_simulated_week_scores_every_estimator():
    rows = estimates.run(days=1, seed=CI_SEED)
    found = {(r["scenario"], r["estimator"]): r for r in rows}
    assert set(found) == {(s, e) for s in (*estimates.SCENARIOS, "overall", "first_hour_new_office")
                          for e in estimates.ESTIMATORS}
    overall = {e: found[("overall", e)] for e in estimates.ESTIMATORS}
    assert overall["willkommen"]["tickets"] > 500 and overall["willkommen"]["appointments"] > 20
    new, old = overall["willkommen"], overall["before"]
    assert new["none"] < old["none"] and new["inside"] > old["inside"] and new["late_15"] < old["late_15"]
    assert new["appointments_inside"] > old["appointments_inside"]


def test_the_same_seed_gives_the_same_days():
    once = estimates.simulate("quiet", 1, CI_SEED, {"before": estimates.before})
    again = estimates.simulate("quiet", 1, CI_SEED, {"before": estimates.before})
    assert [(s.number, s.drawn, s.called, s.ranges) for s in once] == [(s.number, s.drawn, s.called, s.ranges) for s in again]


def _prediction_error(shown):
    scored = [s for s in shown if not s.appointment and s.called is not None and s.predicted is not None]
    return statistics.median(abs(s.predicted - (s.called - s.drawn)) / (s.called - s.drawn) for s in scored)


def test_the_profile_places_every_scored_walk_in_once_per_grouping():
    shown = estimates.simulate("normal", 1, CI_SEED, {"willkommen": estimates.willkommen})
    rows = estimates.profile(shown)
    scored = sum(1 for s in shown if not s.appointment and s.called is not None and s.predicted is not None)
    assert scored > 100
    for by in estimates.PROFILE:
        groups = [r for r in rows if r["by"] == by]
        assert sum(r["tickets"] for r in groups) == scored
        assert all(0 <= r["inside"] <= 1 and r["ratio_p10"] <= r["ratio_p50"] <= r["ratio_p90"] for r in groups)
    assert {r["group"] for r in rows if r["by"] == "when"} <= set(estimates.WHEN)


def test_a_forecast_told_the_days_staffing_predicts_better_and_the_product_is_left_as_it_was():
    """`told` is a measurement of what knowing the staffing would be worth: inside it the
    forecast knows who comes and when; after it, the office is the product again."""
    product = simulation._opening
    plain = estimates.simulate("understaffed", 1, CI_SEED, {"willkommen": estimates.willkommen}, days_per_office=1)
    with estimates.told(("staffing",)):
        knowing = estimates.simulate("understaffed", 1, CI_SEED, {"willkommen": estimates.willkommen}, days_per_office=1)
    assert simulation._opening is product and estimates._desk.__name__ == "_desk"
    assert _prediction_error(knowing) < _prediction_error(plain)
    again = estimates.simulate("understaffed", 1, CI_SEED, {"willkommen": estimates.willkommen}, days_per_office=1)
    assert [(s.number, s.called, s.ranges) for s in again] == [(s.number, s.called, s.ranges) for s in plain]
