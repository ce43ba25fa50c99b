"""The public API is exactly what the guide documents, and its reference documentation builds from docstrings."""

import inspect
import re
import warnings
from pathlib import Path

import tieout_core

README = Path(__file__).parents[1] / "README.md"


def guide_names() -> set[str]:
    table = README.read_text().split("## Every public name", 1)[1]
    names = set()
    for row in re.findall(r"^\| (`[^|]+`) \|", table, flags=re.MULTILINE):
        names.update(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", row))
    return names


def test_given_the_guide_when_compared_with_all_then_every_public_name_is_documented_and_nothing_more():
    assert guide_names() == set(tieout_core.__all__)


def test_given_the_package_when_imported_then_only_underscore_modules_hold_the_code():
    public_modules = {
        name for name, value in vars(tieout_core).items() if inspect.ismodule(value) and not name.startswith("_")
    }
    assert public_modules <= {"testing", "artefacts"}  # the test kit and the artefact writer (README)
    for name in tieout_core.__all__:
        value = getattr(tieout_core, name)
        module = getattr(value, "__module__", "tieout_core._")
        assert module.startswith("tieout_core._"), f"{name} comes from {module}"


def undocumented() -> list[str]:
    missing = []
    for name in tieout_core.__all__:
        value = getattr(tieout_core, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        if not inspect.getdoc(value):
            missing.append(name)
        if inspect.isclass(value):
            for member, attribute in vars(value).items():
                if member.startswith("_") or not inspect.isfunction(attribute):
                    continue
                if not inspect.getdoc(attribute):
                    missing.append(f"{name}.{member}")
    return missing


def test_given_the_public_names_when_documented_then_each_has_a_docstring():
    assert undocumented() == []


def test_given_the_docstrings_when_pdoc_renders_the_reference_then_it_builds_without_a_warning(tmp_path):
    from tieout_core._docs import build

    for name in tieout_core.__all__:  # the adapters load lazily: their libraries' import-time warnings are not ours
        getattr(tieout_core, name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build(tmp_path)
    index = (tmp_path / "tieout_core.html").read_text()
    for name in ("HttpClient", "OAuth2ClientCredentials", "link_header_pages", "build_tap_class", "launch"):
        assert f'id="{name}"' in index, name
    assert not (tmp_path / "tieout_core" / "_http.html").exists()


def test_given_a_singer_tap_when_it_imports_tieout_core_then_airbyte_cdk_is_not_loaded_and_stdout_stays_clean():
    import subprocess
    import sys

    program = (
        "import sys, logging; from tieout_core import build_tap_class, ConfigError; "
        "logging.getLogger('x').warning('to stderr'); "
        "print(sorted(m for m in ('airbyte_cdk', 'singer_sdk') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['singer_sdk']"


def test_given_an_airbyte_source_when_it_imports_tieout_core_then_singer_sdk_is_not_loaded():
    import subprocess
    import sys

    program = "import sys; from tieout_core import launch; print('singer_sdk' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
