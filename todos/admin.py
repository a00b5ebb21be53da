from django.contrib import admin
from django.http import HttpRequest

from todos import services
from todos.models import Todo


@admin.register(Todo)
class TodoAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "owner", "completed", "created_at", "updated_at")
    list_filter = ("completed", "owner")
    search_fields = ("title",)
    list_select_related = ("owner",)
    readonly_fields = ("number", "created_at", "updated_at")
    autocomplete_fields = ("owner",)

    def get_readonly_fields(self, request: HttpRequest, obj: Todo | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "owner") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Todo, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New tasks go through the service so they get the owner's next number.
        created = services.add_task(owner=obj.owner, title=obj.title, description=obj.description)
        obj.pk, obj.number = created.pk, created.number
