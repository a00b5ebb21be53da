"""The structured log line every chat turn writes (`chat.turn` logger, one JSON object)."""

import json
import logging
import time

from django.conf import settings

from chat.agent.model import ModelClient
from chat.agent.runner import AgentTurn
from chat.models import Conversation

logger = logging.getLogger("chat.turn")


def log_turn(*, conversation: Conversation, model: ModelClient, turn: AgentTurn, started: float, outcome: str) -> None:
    """Log what the turn did; `started` is its `time.perf_counter()`, `outcome` "ok", "stopped" or an error code.
    Message text is logged only with `CHAT_LOG_CONTENT`."""
    if not logger.isEnabledFor(logging.INFO):
        return
    record: dict[str, object] = {
        "event": "chat_turn",
        "conversation_id": str(conversation.pk),
        "user_id": str(conversation.owner_id),
        "backend": model.backend,
        "model": model.model,
        "model_calls": turn.model_calls,
        "tools": [run.tool_name for run in turn.tool_runs],
        **turn.usage.as_dict(),
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
        "outcome": outcome,
    }
    if settings.CHAT_LOG_CONTENT:
        record["message"] = turn.said
        record["reply"] = turn.reply
    logger.info(json.dumps(record))
