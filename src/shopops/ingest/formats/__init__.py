"""Input formats. Each maps the rows of one kind of export onto the canonical columns of
`shopops.ingest.kinds`; validation and writing are shared."""

from shopops.ingest.errors import ImportFailed


def get_adapter(fmt: str):
    from shopops.ingest.formats import mapping, shopify, shopops, taobao

    adapters = {
        "shopops": shopops.CanonicalAdapter,
        "shopify": shopify.ShopifyOrdersAdapter,
        "taobao": taobao.TaobaoAdapter,
        "mapping": mapping.MappingAdapter,
    }
    try:
        return adapters[fmt]
    except KeyError:
        raise ImportFailed(f"unknown format {fmt!r}; one of {', '.join(adapters)}") from None


FORMATS = ("shopops", "shopify", "taobao", "mapping")
