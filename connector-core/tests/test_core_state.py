from datetime import datetime, timedelta, timezone

from tieout_core import WatermarkCursor, from_iso, to_iso

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
START = datetime(2020, 1, 1, tzinfo=timezone.utc)


def run_pass(state, rows, *, now, lookback=timedelta(0)):
    """Emit what the cursor lets through; return (emitted keys, completed state)."""
    cursor = WatermarkCursor(state, start=START, lookback=lookback, now=now)
    emitted = []
    for key, value in rows:
        if cursor.is_new(key, value):
            cursor.observe(key, value)
            emitted.append(key)
    return emitted, cursor.complete()


def test_given_rows_sharing_the_watermark_value_when_one_more_arrives_then_it_is_emitted_and_others_are_not():
    t = T0 + timedelta(minutes=5)
    first, state = run_pass(None, [("a", t), ("b", t)], now=T0 + timedelta(hours=1))
    assert first == ["a", "b"]
    assert state["watermark"] == to_iso(t)

    second, state = run_pass(state, [("a", t), ("b", t), ("c", t)], now=T0 + timedelta(hours=2))
    assert second == ["c"]

    third, _ = run_pass(state, [("a", t), ("b", t), ("c", t)], now=T0 + timedelta(hours=3))
    assert third == []


def test_given_a_lookback_when_a_late_row_arrives_below_the_watermark_then_it_is_emitted_once():
    lookback = timedelta(minutes=10)
    _, state = run_pass(None, [("a", T0)], now=T0 + timedelta(hours=1), lookback=lookback)
    late = T0 - timedelta(minutes=3)
    second, state = run_pass(state, [("a", T0), ("late", late)], now=T0 + timedelta(hours=2), lookback=lookback)
    assert second == ["late"]
    third, _ = run_pass(state, [("a", T0), ("late", late)], now=T0 + timedelta(hours=3), lookback=lookback)
    assert third == []


def test_given_a_row_modified_again_when_its_cursor_moves_then_it_is_emitted_again():
    _, state = run_pass(None, [("a", T0)], now=T0 + timedelta(hours=1))
    emitted, _ = run_pass(state, [("a", T0 + timedelta(minutes=1))], now=T0 + timedelta(hours=2))
    assert emitted == ["a"]


def test_given_rows_stamped_after_the_pass_started_when_completing_then_the_watermark_stops_at_the_start():
    started = T0
    after = T0 + timedelta(minutes=30)
    _, state = run_pass(None, [("a", T0 - timedelta(days=1)), ("b", after)], now=started)
    assert from_iso(state["watermark"]) == started
    # "b" is remembered, so it is not emitted again although it sits above the watermark
    again, _ = run_pass(state, [("b", after)], now=T0 + timedelta(hours=2))
    assert again == []


def test_given_a_killed_pass_when_resuming_from_its_checkpoint_then_the_page_and_bounds_are_kept():
    cursor = WatermarkCursor(None, start=START, lookback=timedelta(0), now=T0)
    cursor.observe("a", T0 - timedelta(days=2))
    checkpoint = cursor.checkpoint(next_page=3)
    resumed = WatermarkCursor(checkpoint, start=START, lookback=timedelta(0), now=T0 + timedelta(hours=5))
    assert resumed.resume_page == 3
    assert resumed.lower_bound == START
    assert resumed.started_at == T0  # the original pass start, not the resume time
    resumed.observe("b", T0 - timedelta(days=1))
    assert resumed.complete()["watermark"] == to_iso(T0 - timedelta(days=1))


def test_given_no_rows_when_completing_then_the_previous_watermark_is_kept():
    _, state = run_pass(None, [("a", T0)], now=T0 + timedelta(hours=1))
    _, again = run_pass(state, [], now=T0 + timedelta(hours=2))
    assert again["watermark"] == state["watermark"]


def test_given_a_start_date_when_rows_are_older_then_they_are_skipped():
    emitted, _ = run_pass(None, [("old", START - timedelta(days=1)), ("new", T0)], now=T0)
    assert emitted == ["new"]


def test_given_many_rows_when_completing_then_recent_keeps_only_the_lookback_window():
    lookback = timedelta(minutes=1)
    rows = [(f"k{i}", T0 - timedelta(minutes=i)) for i in range(10_000)]
    _, state = run_pass(None, rows, now=T0 + timedelta(hours=1), lookback=lookback)
    assert set(state["recent"]) == {"k0", "k1"}


def test_given_a_watermark_after_the_pass_start_when_read_then_the_pass_reads_from_its_start_and_says_so():
    from tieout_core.state import WatermarkCursor as Cursor

    future = T0 + timedelta(days=365)
    cursor = Cursor({"watermark": to_iso(future)}, start=START, lookback=timedelta(minutes=10), now=T0)
    assert cursor.future_watermark == future
    assert cursor.lower_bound == T0 - timedelta(minutes=10)
    assert cursor.is_new("changed-an-hour-ago", T0 - timedelta(minutes=5))


def test_given_states_of_the_wrong_inner_shape_when_checked_then_the_error_says_where_and_what_was_expected():
    import pytest
    from tieout_core import StateShapeError, check_watermark_state

    check_watermark_state({"watermark": to_iso(T0), "recent": {"a": to_iso(T0)}, "resume": {"page": 3}}, "s")
    cases = {
        "s.watermark is 'yesterday', expected an ISO 8601 timestamp": {"watermark": "yesterday"},
        "s.recent is ['a'], expected an object": {"recent": ["a"]},
        "s.recent['a'] is 5, expected an ISO 8601 timestamp": {"recent": {"a": 5}},
        "s.resume.page is '2', expected a page number (0 or more)": {"resume": {"page": "2"}},
        "s is 7, expected an object": 7,
    }
    for message, state in cases.items():
        with pytest.raises(StateShapeError) as caught:
            check_watermark_state(state, "s")
        assert str(caught.value) == message
