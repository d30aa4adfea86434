import pytest

from saohei.common import timing


def test_the_median_of_the_runs_is_given_in_milliseconds(monkeypatch):
    # Runs of 1 s, 2 s and 5 s by this clock: the median is 2 s (the mean 2.67 s, the last 5 s).
    readings = iter([10.0, 11.0, 20.0, 22.0, 30.0, 35.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(readings))
    calls = []

    elapsed = timing.median_ms(lambda: calls.append(1), runs=3)

    assert len(calls) == 3
    assert elapsed == 2000.0


@pytest.mark.django_db
def test_a_fetch_that_is_not_answered_200_stops_the_benchmark(client):
    assert timing.median_fetch_ms(client, "/accounts/login/", runs=1) > 0
    with pytest.raises(AssertionError):
        timing.median_fetch_ms(client, "/no-such-page/", runs=1)
