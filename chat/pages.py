"""The chat page for people: one HTML page whose script talks to the JSON API.

The view only renders the shell and the caller's id; conversations, messages and tasks are
read and written by `chat/static/chat/chat.js` through `/api/<user_id>/...` with the session
cookie and the CSRF token (DRF's `SessionAuthentication`).
"""

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.urls import reverse_lazy
from django.views.generic import TemplateView

from chat.serializers import MESSAGE_MAX_LENGTH


class ChatPage(LoginRequiredMixin, TemplateView):
    template_name = "chat/chat.html"
    login_url = reverse_lazy("login")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(**kwargs) | {"message_max_length": MESSAGE_MAX_LENGTH}
