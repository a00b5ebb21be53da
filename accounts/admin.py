from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (*(DjangoUserAdmin.fieldsets or ()), ("Assistant", {"fields": ("name",)}))
    add_fieldsets = (*DjangoUserAdmin.add_fieldsets, ("Assistant", {"fields": ("name", "email")}))
    list_display = ("username", "name", "email", "is_staff", "date_joined")
    search_fields = ("username", "name", "email")
