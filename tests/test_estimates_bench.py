"""The estimates simulator, small (one day per scenario, fixed seeds): it drives the real
`Office` through whole days and scores every estimator on the same draws. The figures of the
full run are in the README (`python -m bench.estimates`); here they must only come out, and
the office's own estimate must beat the estimate it replaced on the same days."""

from __future__ import annotations

from bench import estimates

CI_SEED = 7  # neither the tuning seeds nor the reported ones


def test_a_small_simulated_week_scores_every_estimator():
    rows = estimates.run(days=1, seed=CI_SEED)
    found = {(r["scenario"], r["estimator"]): r for r in rows}
    assert set(found) == {(s, e) for s in (*estimates.SCENARIOS, "overall") for e in estimates.ESTIMATORS}
    overall = {e: found[("overall", e)] for e in estimates.ESTIMATORS}
    assert overall["willkommen"]["tickets"] > 500 and overall["willkommen"]["appointments"] > 20
    new, old = overall["willkommen"], overall["before"]
    assert new["none"] < old["none"] and new["inside"] > old["inside"] and new["late_15"] < old["late_15"]
    assert new["appointments_inside"] > old["appointments_inside"]


def test_the_same_seed_gives_the_same_days():
    once = estimates.simulate("quiet", 1, CI_SEED, {"before": estimates.before})
    again = estimates.simulate("quiet", 1, CI_SEED, {"before": estimates.before})
    assert [(s.number, s.drawn, s.called, s.ranges) for s in once] == [(s.number, s.drawn, s.called, s.ranges) for s in again]
