"""`python -m tieout_core._docs OUT`: the reference documentation (pdoc, from the docstrings) into OUT.

The adapters' names load lazily (see `tieout_core.__getattr__`): they are resolved first, so that pdoc finds
every name of `__all__` in the module.
"""

from __future__ import annotations

import sys
from pathlib import Path


def build(out: Path) -> Path:
    """Write the HTML reference of `tieout_core` and `tieout_core.testing` into `out`; return its index."""
    import pdoc

    import tieout_core

    for name in tieout_core.__all__:
        getattr(tieout_core, name)
    pdoc.pdoc("tieout_core", "tieout_core.testing", output_directory=out)
    return out / "index.html"


if __name__ == "__main__":
    print(build(Path(sys.argv[1] if len(sys.argv) > 1 else "connector-core/docs")))
