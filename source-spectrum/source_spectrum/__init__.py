"""Airbyte source and Singer tap for Trimble Spectrum over ODBC/SQL and Data Exchange"""
