"""job_crosswalk.csv (issue 14 section 1): how a BuildOps job resolves to its Spectrum job, and every error a
maintained file can hold, each message read. The same hand-computed case as transforms' dbt unit test
(models/intermediate/unit_tests/job_crosswalk.yml), so both sides resolve alike."""

import pytest
from destination_spectrum.job_crosswalk import JobCrosswalk, JobCrosswalkFileError

HEADER = "match_type,match_value,year,company_code,spectrum_job_number,phase_code,note\n"
ROWS = (
    "job_number,40001,,MEC,MC26-014,,project renumbered in Spectrum\n"
    "job_number,40006,,FPR,FP26-002,900,\n"
    "job_type,Fire Inspection,2026,FPR,26-INSP,,\n"
    "job_type,Fire Inspection,,FPR,INSP,,\n"
    "department,FPR - Fire Alarm & Inspection,2026,FPR,26-FAI,,\n"
)


def load(tmp_path, text: str) -> JobCrosswalk:
    path = tmp_path / "job_crosswalk.csv"
    path.write_text(text, encoding="utf-8")
    return JobCrosswalk.load(path)


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        (("40001", "Construction Project", "MEC - HVAC Service", "MEC", 2026), ("MEC", "MC26-014", "", False)),
        (("40002", "Fire Inspection", "FPR - Fire Alarm & Inspection", "FPR", 2026), ("FPR", "26-INSP", "", True)),
        (("40003", "Fire Inspection", "FPR - Fire Alarm & Inspection", "FPR", 2025), ("FPR", "INSP", "", True)),
        (("40004", "Fire Inspection", "MEC - HVAC Service", "MEC", 2026), None),
        (("40005", "Service Call", "FPR - Fire Alarm & Inspection", "FPR", 2026), ("FPR", "26-FAI", "", True)),
        (("40006", "Fire Inspection", "FPR - Fire Alarm & Inspection", "FPR", 2026), ("FPR", "FP26-002", "900", False)),
    ],
)
def test_given_one_to_one_and_pattern_rows_when_resolving_then_one_to_one_then_job_type_then_department(
    tmp_path, job, expected
):
    resolved = load(tmp_path, HEADER + ROWS).resolve(*job)

    got = resolved and (resolved.company_code, resolved.job_number, resolved.phase_code, resolved.is_pattern)
    assert got == expected


def test_given_a_job_numbered_alike_in_both_systems_when_no_row_names_it_then_it_resolves_to_nothing(tmp_path):
    crosswalk = load(tmp_path, HEADER + "job_number,40001,,MEC,MC26-014,,\n")

    assert crosswalk.resolve("MC26-014", "Service Call", "MEC - HVAC Service", "MEC", 2026) is None


def test_given_a_missing_file_when_loading_then_error_names_the_setting_and_header(tmp_path):
    with pytest.raises(JobCrosswalkFileError, match=r"set job_crosswalk_path .*header match_type,match_value,year"):
        JobCrosswalk.load(tmp_path / "none.csv")


def test_given_a_header_without_spectrum_job_number_when_loading_then_error_names_the_column(tmp_path):
    with pytest.raises(JobCrosswalkFileError, match="lacks column\\(s\\) spectrum_job_number; expected header"):
        load(tmp_path, "match_type,match_value,company_code\njob_number,1,MEC\n")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("job_no,40001,,MEC,J1,,", "row 2: match_type 'job_no' is not one of job_number, job_type, department"),
        ("job_number,,,MEC,J1,,", "row 2: match_value is empty; a job_number row needs the BuildOps jobNumber"),
        ("job_number,40001,,MEC,,,", "row 2: spectrum_job_number is empty"),
        ("job_type,Service Call,26,MEC,J1,,", "row 2: year '26' is not a four-digit year"),
        ("job_number,40001,2026,MEC,J1,,", r"row 2: year '2026' on a job_number row; .* leave year blank"),
        ("job_number,40001,,MEC,J12345678901,,", "longer than Spectrum's 10-character Job_Number"),
        ("job_number,40001,,MEC,J1,01-100,", "phase_code '01-100' must be at most 20 characters, stored without"),
    ],
)
def test_given_a_bad_row_when_loading_then_error_names_the_row_and_the_fix(tmp_path, row, message):
    with pytest.raises(JobCrosswalkFileError, match=message):
        load(tmp_path, HEADER + row + "\n")


def test_given_two_rows_sending_one_job_to_two_places_when_loading_then_refused_naming_both_rows(tmp_path):
    text = HEADER + "job_type,Service Call,2026,MEC,26-SVC,,\njob_type,service call,2026,MEC,SVC26,,\n"

    with pytest.raises(JobCrosswalkFileError, match=r"row 3: duplicates row 2 .*instead of MEC job 26-SVC; keep one"):
        load(tmp_path, text)


def test_given_job_type_rows_of_two_companies_when_loading_then_each_covers_its_own_company(tmp_path):
    text = HEADER + "job_type,Service Call,,MEC,M-SVC,,\njob_type,Service Call,,FPR,F-SVC,,\n"
    crosswalk = load(tmp_path, text)

    assert crosswalk.resolve("1", "Service Call", "MEC - HVAC Service", "MEC", 2026).job_number == "M-SVC"
    assert crosswalk.resolve("2", "Service Call", "FPR - Fire Sprinkler Service", "FPR", 2026).job_number == "F-SVC"
