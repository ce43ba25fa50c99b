"""`python main.py spec|check|discover|read ...` (Airbyte python-connector form)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from source_example.run import run

if __name__ == "__main__":
    run()
