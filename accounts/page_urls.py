from django.urls import path

from accounts.pages import LoginPage, LogoutPage, SignupPage

urlpatterns = [
    path("signup/", SignupPage.as_view(), name="signup"),
    path("login/", LoginPage.as_view(), name="login"),
    path("logout/", LogoutPage.as_view(), name="logout"),
]
