import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_schema_is_served_without_authentication() -> None:
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/{user_id}/chat" in paths and "/api/{user_id}/tasks/{task_id}/complete" in paths


def test_swagger_ui_assets_are_served_locally_not_from_a_cdn() -> None:
    page = Client().get("/api/docs/").content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist" in page
    assert "cdn.jsdelivr.net" not in page


def test_unknown_api_path_is_json_404() -> None:
    response = Client().get("/api/nowhere")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found.", "code": "not_found"}
