"""Database access: the engine, sessions, and the models (one module per aggregate)."""
