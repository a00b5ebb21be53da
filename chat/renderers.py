"""The browsable API's chat endpoint: forms that continue the conversation a message went to.

After a POST, DRF fills the forms from the response's serializer: on the chat endpoint that is
the reply, so the HTML form would offer the reply's fields and the raw-data form an empty
request, and the next message would start a new conversation. `ChatBrowsableAPIRenderer`'s
forms offer an empty message in the conversation the response names instead; after a refused
message (a 400, a 429, a provider failure) they keep what was sent, with the field errors shown.
"""

from collections.abc import Mapping
from typing import Any

from django import forms
from rest_framework import renderers, status
from rest_framework.exceptions import ParseError
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.views import APIView

from config.renderers import BrowsableAPIRenderer


class ChatBrowsableAPIRenderer(BrowsableAPIRenderer):
    renderer_context: Mapping[str, Any]  # set by render() (the stubs do not declare it)

    def next_message(self, data: Any, request: Request) -> tuple[dict[str, Any], bool] | None:
        """What the POST forms start from after a POST (None after a GET: DRF's empty forms),
        and whether it is what the caller sent (then validated again, to show its errors)."""
        if request.method != "POST":
            return None
        named = data.get("conversation_id") if isinstance(data, Mapping) else None
        if status.is_success(self.renderer_context["response"].status_code):
            return {"message": "", "conversation_id": named}, False
        try:
            sent = request.data
        except ParseError:
            sent = {}
        if not isinstance(sent, Mapping):
            sent = {}
        # Only text is kept: what was sent may be any JSON (a number out of range, a list ...).
        message, conversation = sent.get("message"), sent.get("conversation_id")
        return {
            "message": message if isinstance(message, str) else "",
            "conversation_id": conversation if isinstance(conversation, str) and conversation else named,
        }, True

    def get_rendered_html_form(self, data: Any, view: APIView, method: str, request: Request) -> Any:
        start = self.next_message(data, request) if method == "POST" else None
        if start is None:
            return super().get_rendered_html_form(data, view, method, request)
        # DRF's empty form (given no response data) is None when the caller may not POST here.
        if not super().get_rendered_html_form(None, view, method, request) or not isinstance(view, GenericAPIView):
            return None
        values, sent = start
        serializer = view.get_serializer(data=values) if sent else view.get_serializer(instance=values)
        return self.render_form_for_serializer(serializer)

    def get_raw_data_form(self, data: Any, view: APIView, method: str, request: Request) -> forms.Form | None:
        form = super().get_raw_data_form(data, view, method, request)
        start = self.next_message(data, request) if method == "POST" else None
        if form is not None and start is not None:
            content = renderers.JSONRenderer().render(start[0], "application/json", {"indent": 4})
            form.fields["_content"].initial = content.decode()
        return form
