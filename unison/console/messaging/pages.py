"""Messaging in the console: templates (editor.py), broadcasts (broadcasts.py) and a
customer's message history (history.py), each under /console/messaging."""

from fastapi import APIRouter

from unison.console.messaging import broadcasts, editor, history

router = APIRouter(include_in_schema=False)
router.include_router(editor.router)
router.include_router(broadcasts.router)
router.include_router(history.router)
