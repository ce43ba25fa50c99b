"""`generate --withhold FRACTION`: a stand-up's starting point. A fraction of the mapping and crosswalk rows is
left out of the files a person would maintain (DIR/mapping/*.csv) and kept in truth.json under
`mapping.<file>.withheld`, with every row the generator made under `mapping.<file>.rows`, so the mapping
assistant's suggestions can be scored against what a person would have written.

job_crosswalk.csv is not withheld: the assistant does not suggest job links yet.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

WITHHELD_FILES = ("cost_code_mapping.csv", "customer_crosswalk.csv", "vendor_crosswalk.csv", "employee_crosswalk.csv")


def withhold(mapping_dir: Path, fraction: float, seed: int) -> dict[str, dict[str, list[dict[str, str]]]]:
    """Rewrite each file without a deterministic sample of round(fraction x rows) rows; return the truth block."""
    truth: dict[str, dict[str, list[dict[str, str]]]] = {}
    for name in WITHHELD_FILES:
        path = mapping_dir / name
        if not path.is_file():
            continue
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            columns = list(reader.fieldnames or [])
            rows = list(reader)
        # Its own random stream per file: the same seed withholds the same rows whatever else changes.
        rng = random.Random(f"withhold:{seed}:{name}")
        dropped = set(rng.sample(range(len(rows)), round(fraction * len(rows))))
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(row for i, row in enumerate(rows) if i not in dropped)
        truth[name.removesuffix(".csv")] = {"rows": rows, "withheld": [rows[i] for i in sorted(dropped)]}
    return truth
