"""`faceplate serve`: the engine process the host plug-ins and the dashboard talk to.

A loopback HTTP/JSON API (FastAPI + uvicorn) with a bearer token, a durable job store (SQLite,
WAL) and a scheduler that runs each stage of a job in its own worker process through the same
``run_stage`` the CLI calls. See docs/server.md.
"""

API_VERSION = 1  # bumped when a client of the previous version would misread an answer
