from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from todos import services
from todos.models import DUE_WINDOWS, Todo
from todos.selectors import due_window_of_all


class DueFilter(admin.SimpleListFilter):
    """Tasks by when they are due, each in its owner's zone (overdue: open ones only)."""

    title = "due"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(window, window.replace("_", " ")) for window in DUE_WINDOWS]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Todo]) -> QuerySet[Todo]:
        window = self.value()
        for known in DUE_WINDOWS:
            if window == known:
                return queryset.filter(due_window_of_all(known))
        return queryset


@admin.register(Todo)
class TodoAdmin(admin.ModelAdmin):
    list_display = ("title", "number", "owner", "completed", "due_date", "due_time", "priority", "created_at")
    list_filter = (DueFilter, "priority", "completed", ("due_date", admin.DateFieldListFilter), "owner")
    search_fields = ("title",)
    list_select_related = ("owner",)
    readonly_fields = ("number", "completed_at", "created_at", "updated_at")
    autocomplete_fields = ("owner",)

    def get_readonly_fields(self, request: HttpRequest, obj: Todo | None = None) -> tuple[str, ...]:
        return (*self.readonly_fields, "owner") if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Todo, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        # New tasks go through the service so they get the owner's next number.
        created = services.add_task(
            owner=obj.owner,
            title=obj.title,
            description=obj.description,
            due_date=obj.due_date,
            due_time=obj.due_time,
            recurrence=obj.recurrence,
            priority=obj.priority,
        )
        obj.pk, obj.number = created.pk, created.number
