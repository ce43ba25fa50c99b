"""Example source: Airbyte and Singer, from one set of stream declarations."""
