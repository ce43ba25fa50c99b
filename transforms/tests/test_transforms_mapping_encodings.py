"""The mapping files as Excel saves them, read by dbt on DuckDB the way destination-spectrum reads them
(destination_spectrum/text_files.py): the same rows whatever the encoding, or the build stops naming the file,
the byte offset and the fix."""

from __future__ import annotations

import shutil

import pytest

EXTRA_RULE = "MEC,product_code,CAFÉ-Ñ1,,100,L,pièce d'été\n"
EXTRA_ROW = ("MEC", "product_code", "CAFÉ-Ñ1", "", "100", "L", "pièce d'été")
ENCODINGS = {
    "UTF-8 with BOM": "utf-8-sig",
    "UTF-16": "utf-16",
    # Windows-1252 without bytes 0x80-0x9F: read as Latin-1, the same characters for every byte present.
    "Windows-1252 (cp1252)": "cp1252",
}


def _mapping_dir(duckdb_build, tmp_path, encoding: str, extra: str = EXTRA_RULE):
    folder = tmp_path / "mapping"
    shutil.copytree(duckdb_build.data_dir / "mapping", folder)
    path = folder / "cost_code_mapping.csv"
    # As Excel saves it: every line ends in CRLF (DuckDB's sniffer gives up on a file that mixes the two).
    text = (path.read_text(encoding="utf-8") + extra).replace("\r\n", "\n").replace("\n", "\r\n")
    path.write_bytes(text.encode(encoding))
    return folder, path


def _mapping_rows(warehouse) -> list[tuple]:
    """Every column trimmed and cased by the staging model; '' where the CSV cell is empty."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select company_code, match_type, match_value, job_type, phase_code, cost_type, note"
            " from main.stg_mapping__cost_code_mapping"
        ).fetchall()
        return sorted(tuple("" if v is None else v for v in row) for row in rows)


@pytest.mark.parametrize("saved_as", list(ENCODINGS))
def test_given_the_mapping_saved_in_another_encoding_when_building_then_the_same_rows_and_the_encoding_is_logged(
    saved_as, duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    folder, path = _mapping_dir(duckdb_build, tmp_path, ENCODINGS[saved_as])

    result = dbt_tools.run(
        ["run", "--select", "stg_mapping__cost_code_mapping"],
        env=dbt_tools.env(scratch_warehouse, folder),
        workdir=tmp_path,
    )

    assert f"mapping file {path} read as {saved_as}" in result.stdout, result.stdout[-3000:]
    # The file as the fixture's build read it (UTF-8), plus the one row with accents: nothing else differs.
    assert _mapping_rows(scratch_warehouse) == sorted([*_mapping_rows(duckdb_build.path), EXTRA_ROW])


@pytest.mark.parametrize(
    ("extra", "encoding", "phrases"),
    [
        (
            "MEC,product_code,X1,,100,L,fitter\u2019s part\r\n",
            "cp1252",
            ["is Windows-1252 with a character DuckDB cannot read that way at byte", "bytes 0x80-0x9F"],
        ),
        ("", "utf-16-le", ["holds a NUL byte at byte 1", "UTF-16 saved without its byte-order mark"]),
    ],
    ids=["cp1252 curly quote", "UTF-16 without BOM"],
)
def test_given_a_mapping_dbt_cannot_read_as_the_destination_does_when_building_then_it_stops_naming_file_and_fix(
    extra, encoding, phrases, duckdb_build, scratch_warehouse, tmp_path, dbt_tools
):
    folder, path = _mapping_dir(duckdb_build, tmp_path, encoding, extra)

    result = dbt_tools.run(
        ["run", "--select", "stg_mapping__cost_code_mapping"],
        env=dbt_tools.env(scratch_warehouse, folder),
        workdir=tmp_path,
        check=False,
    )

    assert result.returncode != 0, result.stdout[-3000:]
    assert str(path) in result.stdout, result.stdout[-3000:]
    for phrase in [*phrases, 'save it from Excel as "CSV UTF-8 (Comma delimited)"']:
        assert phrase in result.stdout, f"missing {phrase!r} in:\n{result.stdout[-3000:]}"
