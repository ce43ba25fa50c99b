"""`python main.py spec | check --config c.json | write --config c.json --catalog cc.json < messages`."""

from destination_spectrum.run import run

if __name__ == "__main__":
    run()
