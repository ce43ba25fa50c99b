"""`python main.py spec|check|discover|read ...`: the Airbyte python-connector entry point."""

from source_spectrum.run import run

if __name__ == "__main__":
    run()
