"""Exports of a vacancy's applications: CSV, XLSX and the panel pack, built by workers."""
