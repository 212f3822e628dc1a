from shopops.ingest.formats.base import Adapter
from shopops.ingest.kinds import KINDS


class CanonicalAdapter(Adapter):
    """The ShopOps CSV formats (docs/import-formats.md): header names exact, order free."""

    name = "shopops"
    kinds = tuple(KINDS)
    strict_header = True

    def column_map(self) -> dict[str, str]:
        return {**super().column_map(), **self.kind.aliases}
