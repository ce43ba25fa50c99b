"""Airbyte source and Singer tap for the BuildOps public API"""
