"""Persistence: reference data, the append-only event log and the dossier projection.

SQLModel tables live here and nowhere else; workflows never import this package and the
API answers with `schemas` models, never with tables.
"""
