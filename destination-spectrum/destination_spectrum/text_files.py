"""The CSV files people maintain (cost_code_mapping.csv, the customer and vendor crosswalks), decoded from
whatever Excel saved them as.

Detection is small and explicit, in this order: a byte-order mark (UTF-8 with BOM, UTF-16 LE/BE), then strict
UTF-8, then Windows-1252 (Excel's "CSV (Comma delimited)" on a Western Windows). A statistical guesser
(chardet, charset-normalizer) was not used: on a few hundred bytes of codes it guesses differently from file to
file, and a wrong guess turns a phase code or a customer code into another one silently. These four are what
Excel and Notepad write; anything else fails naming the file, the byte offset and the fix. transforms reads the
same files with the same order of tests (macros/mapping_files.sql).
"""

from __future__ import annotations

import codecs
import logging
from pathlib import Path

logger = logging.getLogger("destination_spectrum")

FIX = 'save it from Excel as "CSV UTF-8 (Comma delimited)" (or from any editor as UTF-8)'


class TextFileError(ValueError):
    """The file's bytes are not text in an encoding we read (a config error: nothing is posted)."""


def read_text(path: Path) -> tuple[str, str]:
    """(text, encoding name) of a maintained CSV file; the encoding used is logged."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        text, encoding = _decode(path, data, "utf-8", len(codecs.BOM_UTF8)), "UTF-8 with BOM"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _decode(path, data, "utf-16", 0), "UTF-16"
    else:
        try:
            text, encoding = data.decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            # Not UTF-8: an Excel "CSV (Comma delimited)" save. cp1252 leaves only five bytes undefined, so
            # what still fails here is not text.
            text, encoding = _decode(path, data, "cp1252", 0), "Windows-1252 (cp1252)"
    nul = text.find("\x00")
    if nul >= 0:
        raise TextFileError(
            f"{path} holds a NUL character (character {nul}): it looks like UTF-16 saved without its byte-order "
            f"mark, or a binary file; {FIX}"
        )
    logger.info("%s read as %s", path, encoding)
    return text, encoding


def _decode(path: Path, data: bytes, codec: str, skip: int) -> str:
    try:
        return data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        offset = skip + exc.start
        raise TextFileError(
            f"{path} cannot be read as text: byte {offset} (0x{data[offset]:02x}) is not valid "
            f"{'UTF-16' if codec == 'utf-16' else 'UTF-8 or Windows-1252'}; {FIX}"
        ) from None
