"""The account pages for people in a browser: sign up, log in, log out (Django session auth).

The chat page (`chat.pages`) then calls the JSON API with the session cookie and the CSRF
token, which DRF's `SessionAuthentication` accepts.
"""

from typing import Any

from django import forms
from django.contrib.auth import login
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm, UsernameField
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.generic import FormView

from accounts.models import User
from accounts.services import register_user
from accounts.throttles import throttled_login
from accounts.time_zones import TIME_ZONE_MAX_LENGTH, InvalidTimeZone, clean_time_zone
from config.errors import InvalidInput


class SignupForm(UserCreationForm):
    """Username, an optional name, and a password checked by Django's password validators. The
    page's script fills the hidden `time_zone` from the browser; a missing or unknown one is UTC."""

    time_zone = forms.CharField(required=False, max_length=TIME_ZONE_MAX_LENGTH, widget=forms.HiddenInput)

    def clean_time_zone(self) -> str:
        try:
            return clean_time_zone(self.cleaned_data.get("time_zone"))
        except InvalidTimeZone:
            return "UTC"

    class Meta:
        model = User
        fields = ("username", "name")
        field_classes = {"username": UsernameField}
        help_texts = {"name": "Optional: what the assistant calls you."}


class SignupPage(FormView):
    template_name = "accounts/signup.html"
    form_class = SignupForm
    success_url = reverse_lazy("home")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect(self.success_url)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: SignupForm) -> HttpResponse:
        data = form.cleaned_data
        try:
            user = register_user(
                username=data["username"],
                password=data["password1"],
                name=data.get("name", ""),
                time_zone=data.get("time_zone") or "UTC",
            )
        except InvalidInput:
            # The username was taken between the form's uniqueness check and the insert.
            form.add_error("username", "A user with that username already exists.")
            return self.form_invalid(form)
        login(self.request, user)
        return super().form_valid(form)


@method_decorator(throttled_login, name="dispatch")
class LoginPage(LoginView):
    """Submissions are throttled per IP with the token endpoint's (`AUTH_THROTTLE_RATE`)."""

    template_name = "accounts/login.html"
    authentication_form = AuthenticationForm
    redirect_authenticated_user = True
    next_page = "home"  # unless the URL names another (`?next=`)


class LogoutPage(LogoutView):
    """A POST logs out (Django's); a GET, from a link such as the API root's, shows a button that
    posts: a link alone cannot log anyone out."""

    http_method_names = ["get", "post", "options"]
    next_page = "login"

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return render(request, "accounts/logout.html")
