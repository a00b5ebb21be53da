"""The ASGI application: what `gunicorn -c config/gunicorn.py` serves (uvicorn workers), and
`make run` in development. `/mcp` is the MCP server (`chat.mcp`), the rest Django, whose
request bodies are bounded in size and time as they arrive (`config.body_limits`). At shutdown
it lets the chat turns whose clients left finish (`config.lifespan`).

Database work of the async chat path runs in `DATABASE_POOL_SIZE` shared threads
(`config.database`), so a process never needs more connections than its pool holds. With
DEBUG on, static files are served too (as runserver does).
"""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

django_application = get_asgi_application()

from config.database import serve_from_threads  # noqa: E402  (after Django is set up)

serve_from_threads(settings.DATABASE_POOL_SIZE)

from config.body_limits import BodyLimits  # noqa: E402
from config.lifespan import Application, FinishingTurns  # noqa: E402

served: Application = django_application
if settings.DEBUG:
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    served = ASGIStaticFilesHandler(django_application)

from chat.mcp.serving import WithMcp  # noqa: E402

# `/mcp` (the tools over MCP, `chat.mcp`, which bounds its own bodies) beside Django; its
# lifespan runs FinishingTurns'.
application = WithMcp(FinishingTurns(BodyLimits(served)))
