"""motcua: a durable one-stop-shop dossier engine for two-level local government."""
