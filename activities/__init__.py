"""Temporal activities: everything a dossier workflow does that touches the outside world."""
