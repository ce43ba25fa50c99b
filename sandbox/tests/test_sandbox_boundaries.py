"""The dataset the transforms tests build on (scale 0.03, seed 1) holds open receivables exactly on each aging edge.

Issue 19: a bucket rule written `< 30` for `<= 30` only changes a figure when some open item is exactly 0, 30, 60
or 90 days past due at a close. The truth comparison in transforms/tests sees such a slip only if the data has
those items; this test fails when a generator change loses them (then place some on purpose).
"""

from collections import Counter

import pytest
from tieout_sandbox.dataset import generate_dataset
from tieout_sandbox.spectrum import closing

TRANSFORMS_SCALE, TRANSFORMS_SEED = 0.03, 1  # transforms/tests/conftest.py


def test_given_the_transforms_dataset_when_its_closes_are_aged_then_open_items_sit_on_every_bucket_edge(
    tmp_path, monkeypatch
):
    aged: Counter[int] = Counter()
    bucket = closing.bucket

    def counting(days_past_due: int) -> str:
        aged[days_past_due] += 1
        return bucket(days_past_due)

    monkeypatch.setattr(closing, "bucket", counting)
    generate_dataset(tmp_path / "data", seed=TRANSFORMS_SEED, scale=TRANSFORMS_SCALE)
    on_edges = {days: aged[days] for days in (0, 30, 60, 90)}
    assert all(on_edges.values()), f"open items exactly on the aging edges (days past due: count): {on_edges}"
    assert aged[1] and aged[-1], "items either side of due (1 day past, 1 day before) as well"


@pytest.mark.parametrize("days, name", [(0, "current"), (30, "1_30"), (60, "31_60"), (90, "61_90"), (91, "over_90")])
def test_given_an_item_on_an_edge_when_bucketed_by_the_twin_then_it_is_the_lower_bucket(days, name):
    assert closing.bucket(days) == name
