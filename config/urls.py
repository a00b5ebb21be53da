from django.contrib import admin
from django.contrib.auth.views import LoginView
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.throttles import throttled_login
from chat.pages import ChatPage
from config.api_root import ApiRootApi

urlpatterns = [
    # The two log-in forms not in accounts/ (the admin's, the browsable API's), throttled per IP
    # as the token endpoint is; each stands before the URLs it overrides.
    path("admin/login/", throttled_login(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/", ApiRootApi.as_view(), name="api-root"),
    path("api/auth/", include("accounts.urls")),
    path(
        "api/auth/session/login/",
        throttled_login(LoginView.as_view(template_name="rest_framework/login.html")),
    ),
    path("api/auth/session/", include("rest_framework.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/", include("todos.urls")),
    path("api/", include("chat.urls")),
    # Pages for people: the chat page and sign up / log in / log out.
    path("", ChatPage.as_view(), name="home"),
    path("accounts/", include("accounts.page_urls")),
]

handler400 = "config.views.bad_request"
handler404 = "config.views.not_found"
handler500 = "config.views.server_error"
