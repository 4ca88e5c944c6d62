"""FastAPI app assembly, authentication and error mapping."""
