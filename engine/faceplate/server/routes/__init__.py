"""One module per resource: system (health, version, session), jobs, events."""
