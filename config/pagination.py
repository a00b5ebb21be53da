"""How list endpoints page: DRF's page numbers (`?page=2`), `PAGE_SIZE` items a page unless
the client asks for another size (`?page_size=50`, at most `MAX_PAGE_SIZE`)."""

from rest_framework.pagination import PageNumberPagination

MAX_PAGE_SIZE = 100


class PageSizePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
