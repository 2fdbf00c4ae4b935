"""The service room: what a dossier, a queue or a report asks of the database and of
Temporal, below the web layer. The JSON routes and the pages both call it; it raises the
error family of `services.errors` and nothing web-shaped."""
