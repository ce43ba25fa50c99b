"""The close desk: a small web app over the Tieout warehouse where people decide about exceptions and sign
the month-end close off (issue 16)."""
