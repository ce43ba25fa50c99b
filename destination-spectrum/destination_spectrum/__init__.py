"""Airbyte destination and Singer target that post BuildOps invoices and sub bills into Spectrum exactly once"""
