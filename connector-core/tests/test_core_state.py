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
    from tieout_core._state import WatermarkCursor as Cursor

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


# --- make mutate survivors (issue 19) -------------------------------------------------------------------------


def test_given_timestamps_with_an_offset_or_none_when_read_then_both_are_utc_instants():
    assert from_iso("2026-01-01T12:00:00+02:00") == datetime(2026, 1, 1, 10, tzinfo=timezone.utc)
    assert from_iso("2026-01-01T12:00:00.250Z") == datetime(2026, 1, 1, 12, 0, 0, 250_000, tzinfo=timezone.utc)
    naive = from_iso("2026-01-01T12:00:00")
    assert naive == datetime(2026, 1, 1, 12, tzinfo=timezone.utc) and naive.utcoffset() == timedelta(0)
    assert to_iso(datetime(2026, 1, 1, 12, 0, 0, 999_999, tzinfo=timezone(timedelta(hours=-5)))) == (
        "2026-01-01T17:00:00.999Z"
    )


def test_given_only_a_late_row_below_the_watermark_when_completing_then_the_watermark_does_not_move_back():
    lookback = timedelta(minutes=10)
    _, state = run_pass(None, [("a", T0)], now=T0 + timedelta(hours=1), lookback=lookback)
    late = T0 - timedelta(minutes=3)
    emitted, state = run_pass(state, [("late", late)], now=T0 + timedelta(hours=2), lookback=lookback)
    assert emitted == ["late"]
    assert state["watermark"] == to_iso(T0)


def test_given_a_checkpoint_after_a_newer_row_when_the_resumed_pass_sees_only_older_ones_then_the_newer_counts():
    cursor = WatermarkCursor(None, start=START, lookback=timedelta(0), now=T0)
    cursor.observe("newest", T0 - timedelta(hours=1))
    checkpoint = cursor.checkpoint(next_page=1)
    assert checkpoint["resume"]["max_seen"] == to_iso(T0 - timedelta(hours=1))
    resumed = WatermarkCursor(checkpoint, start=START, lookback=timedelta(0), now=T0 + timedelta(hours=5))
    resumed.observe("older", T0 - timedelta(days=3))
    assert resumed.complete()["watermark"] == to_iso(T0 - timedelta(hours=1))
    empty = WatermarkCursor(None, start=START, lookback=timedelta(0), now=T0).checkpoint(next_page=0)
    assert empty["resume"]["max_seen"] is None and empty["watermark"] is None


def test_given_a_long_pass_when_rows_are_observed_then_memory_keeps_only_what_the_lookback_can_still_need():
    # Millions of rows in one pass: keys far below the running watermark are dropped as the pass goes.
    cursor = WatermarkCursor(None, start=START, lookback=timedelta(minutes=1), now=T0 + timedelta(days=1))
    for i in range(8192):
        cursor.observe(f"k{i}", T0 + timedelta(seconds=i))
    assert len(cursor._emitted) <= 61
    assert set(cursor.complete()["recent"]) == {f"k{i}" for i in range(8131, 8192)}


def test_given_partition_states_when_the_low_water_mark_is_asked_then_the_lowest_or_none_if_any_has_none():
    from tieout_core._state import low_water_mark

    tenants = {
        "tenants": {"t1": {"watermark": "2026-01-02T00:00:00.000Z"}, "t2": {"watermark": "2026-01-01T00:00:00.000Z"}}
    }
    assert low_water_mark(tenants) == "2026-01-01T00:00:00.000Z"
    assert (
        low_water_mark({"companies": {"MEC": {"cursor": "2026-01-03"}, "FPR": {"cursor": "2026-01-04"}}})
        == "2026-01-03"
    )
    assert low_water_mark({"tenants": {"t1": {"watermark": "2026-01-02T00:00:00.000Z"}, "t2": {"recent": {}}}}) is None
    assert low_water_mark({}) is None
    assert low_water_mark({"tenants": {}, "version": 2}) is None


def test_given_a_long_value_in_a_bad_state_when_reported_then_it_is_shown_up_to_60_characters():
    import pytest
    from tieout_core import StateShapeError, check_watermark_state

    for shown in ("x" * 57, "x" * 58):  # 59 and 60 characters with the quotes
        with pytest.raises(StateShapeError) as whole:
            check_watermark_state({"watermark": shown}, "s")
        assert f"is {shown!r}, expected" in str(whole.value)
    with pytest.raises(StateShapeError) as cut:
        check_watermark_state({"watermark": "x" * 59}, "s")  # 61 characters: cut to 57 and "..."
    assert f"is '{'x' * 56}..., expected" in str(cut.value)


def test_given_a_watermark_exactly_at_the_pass_start_when_read_then_it_is_not_reported_as_in_the_future():
    cursor = WatermarkCursor({"watermark": to_iso(T0)}, start=START, lookback=timedelta(0), now=T0)
    assert cursor.future_watermark is None and cursor.watermark == T0


def test_given_keys_remembered_by_an_earlier_pass_when_a_later_pass_moves_the_watermark_on_then_they_are_forgotten():
    lookback = timedelta(minutes=10)
    _, state = run_pass(None, [("old", T0)], now=T0 + timedelta(hours=1), lookback=lookback)
    assert state["recent"] == {"old": to_iso(T0)}
    later = T0 + timedelta(days=1)
    _, state = run_pass(state, [("new", later)], now=later + timedelta(hours=1), lookback=lookback)
    assert state["recent"] == {"new": to_iso(later)}


def test_given_milliseconds_at_the_edges_when_written_then_they_are_truncated_to_three_digits():
    assert to_iso(datetime(2026, 1, 1, 0, 0, 0, 999_000, tzinfo=timezone.utc)) == "2026-01-01T00:00:00.999Z"
    assert to_iso(datetime(2026, 1, 1, 0, 0, 0, 1_000, tzinfo=timezone.utc)) == "2026-01-01T00:00:00.001Z"
    assert to_iso(datetime(2026, 1, 1, 0, 0, 0, 999, tzinfo=timezone.utc)) == "2026-01-01T00:00:00.000Z"


def test_given_resume_pages_at_the_edges_when_checked_then_zero_is_a_page_and_negative_or_true_are_not():
    import pytest
    from tieout_core import StateShapeError, check_watermark_state

    check_watermark_state({"resume": {"page": 0}}, "s")
    for page in (-1, True):
        with pytest.raises(StateShapeError, match=r"s\.resume\.page is .*, expected a page number \(0 or more\)"):
            check_watermark_state({"resume": {"page": page}}, "s")
