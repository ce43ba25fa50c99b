"""`make demo DATA=DIR` on a hand-written dataset: no truth.json, so the as-of day is --as-of or today, said so."""

import datetime as dt
import json

import pytest
import yaml
from tieout_demo.cli import main
from tieout_demo.dbt_runner import as_of_date, close_vars


@pytest.fixture
def hand_written(tmp_path):
    (tmp_path / "policy.yml").write_text(yaml.safe_dump({"posting": {"mode": "per_invoice"}}))
    return tmp_path


def test_given_no_truth_json_and_an_as_of_when_closing_then_the_period_is_the_month_before_it(hand_written):
    assert as_of_date(hand_written, dt.date(2026, 3, 9)) == (dt.date(2026, 3, 9), "--as-of")
    found = close_vars(hand_written, dt.date(2026, 3, 9))
    assert (found["as_of_date"], found["close_period"]) == ("2026-03-09", "2026-02")


def test_given_no_truth_json_and_no_as_of_when_closing_then_today_is_used_and_the_source_says_how_to_choose(
    hand_written,
):
    day, source = as_of_date(hand_written)
    assert day == dt.datetime.now(dt.timezone.utc).date() and "pass --as-of YYYY-MM-DD" in source


def test_given_a_generated_truth_json_when_closing_then_its_as_of_is_used_unless_as_of_overrides(hand_written):
    (hand_written / "truth.json").write_text(json.dumps({"spectrum": {"as_of": "2026-11-13"}}))
    assert as_of_date(hand_written) == (dt.date(2026, 11, 13), "truth.json")
    assert as_of_date(hand_written, dt.date(2026, 5, 1))[0] == dt.date(2026, 5, 1)


def test_given_a_malformed_as_of_when_running_the_demo_then_argparse_shows_the_format(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--as-of", "13/11/2026"])
    assert exited.value.code == 2
    assert "expected a date as YYYY-MM-DD, e.g. 2026-11-13; got '13/11/2026'" in capsys.readouterr().err
