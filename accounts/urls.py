from django.urls import path

from accounts.apis import AccessTokenApi, AccessTokenListApi, MeApi, RegisterApi, TokenApi, TokenRefreshApi

urlpatterns = [
    path("register", RegisterApi.as_view(), name="register"),
    path("token", TokenApi.as_view(), name="token"),
    path("token/refresh", TokenRefreshApi.as_view(), name="token-refresh"),
    path("me", MeApi.as_view(), name="me"),
    path("tokens", AccessTokenListApi.as_view(), name="access-tokens"),
    path("tokens/<int:token_id>", AccessTokenApi.as_view(), name="access-token"),
]
