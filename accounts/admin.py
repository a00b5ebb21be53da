from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest

from accounts.models import PersonalAccessToken, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Assistant", {"fields": ("name",)}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Assistant", {"fields": ("name", "email")}))
    list_display = ("username", "name", "email", "is_staff", "date_joined")
    search_fields = ("username", "name", "email")


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    """Tokens are listed and can be deleted (revoked); their values are never stored, and their
    hashes are not shown."""

    list_display = ("name", "user", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("name", "user__username")
    fields = ("user", "name", "created_at", "last_used_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: PersonalAccessToken | None = None) -> bool:
        return False
