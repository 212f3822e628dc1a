"""Every long list of the console is paged the same way: Django's Paginator, a page size the
user picks (kept in the URL), and links that keep the list's filters. Views call `paginate`
and pass the result to the template `core/pages.html`, which only prints it."""

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_SIZE = 50


@dataclass
class Paged:
    page: Page
    size: int
    previous_url: str = ""
    next_url: str = ""
    links: list[dict] = field(default_factory=list)  # {number, url, current}; url "" is …
    sizes: list[dict] = field(default_factory=list)  # {size, url, current}

    @property
    def rows(self):
        return self.page.object_list


def page_size(request, default: int = DEFAULT_SIZE) -> int:
    try:
        size = int(request.GET.get("size", default))
    except ValueError:
        return default
    return size if size in PAGE_SIZES else default


def paginate(request, items, default: int = DEFAULT_SIZE) -> Paged:
    """The page of `items` (a queryset, ordered, or a list) the request asks for; a page
    number past the end gives the last page, anything not a number the first."""
    size = page_size(request, default)
    page = Paginator(items, size).get_page(request.GET.get("page"))
    kept = [(k, v) for k, v in request.GET.lists() for v in v if k not in ("page", "size")]

    def url(number: int, size: int = size) -> str:
        params = [*kept, ("page", number)]
        if size != default:
            params.append(("size", size))
        return "?" + urlencode(params)

    paged = Paged(page=page, size=size)
    if page.has_previous():
        paged.previous_url = url(page.previous_page_number())
    if page.has_next():
        paged.next_url = url(page.next_page_number())
    for number in page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1):
        if number == Paginator.ELLIPSIS:
            paged.links.append({"number": number, "url": "", "current": False})
        else:
            paged.links.append(
                {"number": number, "url": url(number), "current": number == page.number}
            )
    paged.sizes = [{"size": s, "url": url(1, s), "current": s == size} for s in PAGE_SIZES]
    return paged
