"""The shared language of motcua: Pydantic models used by HTTP, Temporal payloads and activities.

This package imports nothing else of the project, so every other package can depend on it.
"""
