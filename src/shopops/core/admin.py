from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from shopops.core import services
from shopops.core.models import ApiToken, AuditEntry, Store, StoreGrant, User


class StoreGrantInline(admin.TabularInline):
    model = StoreGrant
    extra = 1
    readonly_fields = ["granted_at"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [StoreGrantInline]
    list_display = ["username", "email", "is_active", "is_superuser", "role_names", "last_login"]
    list_filter = ["is_active", "is_superuser", "groups"]

    @admin.display(description="roles")
    def role_names(self, obj):
        return ", ".join(g.name for g in obj.groups.all())


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "platform",
        "currency",
        "timezone",
        "commission_rate",
        "is_active",
    ]
    list_filter = ["platform", "is_active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        return ["code"] if obj else []

    def save_model(self, request, obj, form, change):
        # Through the service, so admin edits are audited like every other change.
        fields = {
            name: form.cleaned_data[name]
            for name in services.STORE_AUDITED_FIELDS
            if name in form.cleaned_data
        }
        if change:
            services.update_store(request.user, obj, via="admin", **fields)
        else:
            created = services.create_store(request.user, via="admin", code=obj.code, **fields)
            obj.pk = created.pk

    def has_delete_permission(self, request, obj=None):
        return False  # stores own history; deactivate instead


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "user", "name", "created_at", "last_used_at"]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "store", "action", "object_repr", "via"]
    list_filter = ["action", "via", "store"]
    search_fields = ["object_repr", "actor_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
