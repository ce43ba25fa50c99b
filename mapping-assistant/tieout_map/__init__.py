"""Tieout mapping assistant: mapping and crosswalks suggested from history, applied only with a decision."""
