"""Temporal workflows: one per dossier, the only writer of its lifecycle state."""
