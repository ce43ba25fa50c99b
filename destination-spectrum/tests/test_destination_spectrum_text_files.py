"""Mapping and crosswalk CSVs as Excel and Notepad save them: UTF-8, UTF-8 with BOM, UTF-16 and Windows-1252
read the same; anything else fails naming the file, the byte offset and the fix."""

from __future__ import annotations

import codecs
import logging

import pytest
from destination_spectrum.crosswalk import CrosswalkFileError, CustomerCrosswalk, VendorCrosswalk
from destination_spectrum.mapping import CostCodeMapping, MappingFileError

MAPPING = (
    "company_code,match_type,match_value,job_type,phase_code,cost_type,note\r\n"
    "MEC,product_code,CAFÉ-1,,200,M,Café fitter\u2019s \u201cspecial\u201d \u2013 €5\r\n"
)
CROSSWALK = "buildops_customer_id,company_code,customer_code\r\nc-josé,MEC,JOSÉ\r\n"
ENCODINGS = {
    "UTF-8": lambda text: text.encode("utf-8"),
    "UTF-8 with BOM": lambda text: text.encode("utf-8-sig"),
    "UTF-16": lambda text: text.encode("utf-16"),  # Python writes the BOM, little-endian here
    "UTF-16 big-endian": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    "Windows-1252 (cp1252)": lambda text: text.encode("cp1252"),
}


@pytest.mark.parametrize("saved_as", list(ENCODINGS))
def test_given_a_mapping_saved_in_each_encoding_when_loaded_then_the_same_rules_and_the_encoding_is_logged(
    saved_as, tmp_path, caplog
):
    path = tmp_path / "cost_code_mapping.csv"
    path.write_bytes(ENCODINGS[saved_as](MAPPING))
    with caplog.at_level(logging.INFO, logger="destination_spectrum"):
        (rule,) = CostCodeMapping.load(path).rules
    assert (rule.match_value, rule.phase_code, rule.cost_type) == ("CAFÉ-1", "200", "M")
    expected = "UTF-16" if saved_as.startswith("UTF-16") else saved_as
    assert f"{path} read as {expected}" in caplog.text


@pytest.mark.parametrize("saved_as", list(ENCODINGS))
def test_given_a_crosswalk_saved_in_each_encoding_when_loaded_then_the_same_rows(saved_as, tmp_path):
    path = tmp_path / "customer_crosswalk.csv"
    path.write_bytes(ENCODINGS[saved_as](CROSSWALK))
    assert CustomerCrosswalk.load(path).lookup("c-josé").customer_code == "JOSÉ"


def test_given_bytes_no_encoding_reads_when_loaded_then_the_error_names_file_offset_and_fix(tmp_path):
    path = tmp_path / "cost_code_mapping.csv"
    good = MAPPING.encode("cp1252")
    before = b"MEC,product_code,X"
    path.write_bytes(good + before + b"\x81,,100,L,\r\n")  # 0x81: undefined in cp1252, invalid in UTF-8
    with pytest.raises(MappingFileError) as caught:
        CostCodeMapping.load(path)
    message = str(caught.value)
    assert f"{path} cannot be read as text: byte {len(good) + len(before)} (0x81)" in message, message
    assert 'save it from Excel as "CSV UTF-8 (Comma delimited)"' in message and "(mapping_path)" in message


def test_given_utf16_without_its_bom_when_loaded_then_refused_naming_the_likely_cause(tmp_path):
    path = tmp_path / "vendor_crosswalk.csv"
    path.write_bytes("buildops_vendor_id,company_code,vendor_code\r\nv-1,MEC,V1\r\n".encode("utf-16-le"))
    with pytest.raises(CrosswalkFileError) as caught:
        VendorCrosswalk.load(path)
    message = str(caught.value)
    assert "UTF-16 saved without its byte-order mark" in message and "(vendor_crosswalk_path)" in message, message


def test_given_a_broken_utf16_file_when_loaded_then_the_offset_is_named(tmp_path):
    path = tmp_path / "customer_crosswalk.csv"
    data = CROSSWALK.encode("utf-16") + b"\x00\xd8"  # a lone high surrogate: not UTF-16
    path.write_bytes(data)
    with pytest.raises(CrosswalkFileError, match=rf"byte {len(data) - 2} \(0x00\) is not valid UTF-16"):
        CustomerCrosswalk.load(path)
