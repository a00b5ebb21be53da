from django.urls import path

from accounts.apis import MeApi, RegisterApi, TokenApi, TokenRefreshApi

urlpatterns = [
    path("register", RegisterApi.as_view(), name="register"),
    path("token", TokenApi.as_view(), name="token"),
    path("token/refresh", TokenRefreshApi.as_view(), name="token-refresh"),
    path("me", MeApi.as_view(), name="me"),
]
