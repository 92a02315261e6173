"""`localqa serve`'s HTTP API: the index and the answerer behind FastAPI (app.py), one
answer at a time on the engine's own thread (engine.py). Imported only by that command,
so no other command loads fastapi."""
