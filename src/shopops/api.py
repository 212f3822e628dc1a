"""The HTTP API at /api/v1. Each app contributes a router guarded by ModuleAuth."""

from ninja import NinjaAPI

from shopops.alerts.api import router as alerts_router
from shopops.analytics.api import install_costs_handler
from shopops.analytics.api import router as metrics_router
from shopops.campaigns.api import router as campaigns_router
from shopops.core.api import audit_router, me_router, rates_router, stores_router
from shopops.core.api_auth import docs_access, install_throttled_handler
from shopops.core.busy import install_busy_handler
from shopops.core.validation import install_validation_handler
from shopops.ingest.api import router as imports_router
from shopops.inventory.api import router as inventory_router
from shopops.monitoring.api import router as reports_router
from shopops.monitoring.checklists_api import router as checklists_router
from shopops.orders.api import router as orders_router
from shopops.orders.api import shipments_router
from shopops.planning.api import router as goals_router
from shopops.planning.records_api import logs_router, risks_router, sops_router
from shopops.planning.tasks_api import router as tasks_router

api = NinjaAPI(
    title="ShopOps API",
    version="1",
    urls_namespace="api-1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The schema and its docs page: for a Bearer token or a signed-in session.
    docs_decorator=docs_access,
    description="ShopOps (电商运营中枢) HTTP API. Authenticate with a session or "
    "`Authorization: Bearer <token>` (create one from the user menu or "
    "`./shopops user token USERNAME`).",
)
install_throttled_handler(api)  # 429 + Retry-After for repeated bad tokens
install_busy_handler(api)  # 503 + Retry-After while another write holds SQLite's lock
install_costs_handler(api)  # 403 when a role that may not see costs asks for them
install_validation_handler(api)  # 422 with `errors` by field path, one shape for all
api.add_router("/me", me_router)
api.add_router("/stores", stores_router)
api.add_router("/audit", audit_router)
api.add_router("/rates", rates_router)
api.add_router("/imports", imports_router)
api.add_router("/metrics", metrics_router)
api.add_router("/goals", goals_router)
api.add_router("/tasks", tasks_router)
api.add_router("/checklists", checklists_router)
api.add_router("/logs", logs_router)
api.add_router("/sops", sops_router)
api.add_router("/risks", risks_router)
api.add_router("/reports", reports_router)
api.add_router("/alerts", alerts_router)
api.add_router("/orders", orders_router)
api.add_router("/shipments", shipments_router)
api.add_router("/inventory", inventory_router)
api.add_router("/campaigns", campaigns_router)
