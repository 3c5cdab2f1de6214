"""Routes of /api/v1 for credits: each calls the same service function as the CLI."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from escalada.entrypoints.api.deps import current_actor

router = APIRouter(dependencies=[Depends(current_actor)])
