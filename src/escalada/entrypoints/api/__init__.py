"""The REST API (FastAPI): /api/v1, /healthz, /openapi.json."""

from escalada.entrypoints.api.app import create_app

__all__ = ["create_app"]
