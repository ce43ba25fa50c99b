"""Tieout's DuckDB loader for Meltano: `meltano run tap-buildops target-duckdb ... dbt-duckdb:build`."""
