import hashlib
import secrets
import zoneinfo
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shopops.core.modules import MODULES
from shopops.core.roles import MANAGE_USERS, VIEW_COSTS, VIEW_PERSONAL_DATA


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PDD = "pdd", _("Pinduoduo")
    DOUYIN = "douyin", _("Douyin")
    SHOPIFY = "shopify", _("Shopify")
    OWN = "own", _("Own site")


class Store(models.Model):
    """A store or channel; every operational record belongs to exactly one."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9][a-z0-9_-]*$",
                _("Lower-case letters, digits, '-' and '_', starting with a letter or digit."),
            )
        ],
    )
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="CNY",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code such as CNY."))],
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_timezone]
    )
    commission_rate = models.DecimalField(
        _("commission rate"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Platform commission as a fraction of paid amount, e.g. 0.05."),
    )
    # The order costs of gross profit (METRICS.md) that the facts do not carry.
    payment_fee_rate = models.DecimalField(
        _("payment fee rate"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Payment processing fee as a fraction of paid amount, e.g. 0.006."),
    )
    shipping_cost_per_order = models.DecimalField(
        _("shipping cost per order"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    packaging_cost_per_order = models.DecimalField(
        _("packaging cost per order"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    # Campaigns refuse to launch while a SKU's worst-case price leaves less than this margin.
    margin_floor = models.DecimalField(
        _("campaign margin floor"),
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.05"),
        # Also in the database: a row written by code that predates the column gets it too.
        db_default=Decimal("0.05"),
        validators=[MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))],
        help_text=_(
            "The least profit a campaign price may leave, as a fraction of the price paid, "
            "e.g. 0.05."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class User(AbstractUser):
    """A team member; sees the stores granted to them (superusers see all)."""

    stores = models.ManyToManyField(
        Store,
        through="StoreGrant",
        related_name="members",
        blank=True,
        verbose_name=_("stores"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class StoreGrant(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="grants")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="unique_store_grant")]
        verbose_name = _("store grant")
        verbose_name_plural = _("store grants")

    def __str__(self) -> str:
        return f"{self.user} → {self.store.code}"


class StoreOwned(models.Model):
    """Base of every store-scoped record: the scoping queries rely on this `store` field."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, verbose_name=_("store"))

    class Meta:
        abstract = True


class ModuleAccess(models.Model):
    """Holds the module and data permissions; it has no table."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            *[(f"view_{m.key}", f"View {m.key}") for m in MODULES],
            *[(f"change_{m.key}", f"Change {m.key}") for m in MODULES],
            (VIEW_COSTS, "See costs, profit and margins"),
            (VIEW_PERSONAL_DATA, "See buyers' names, phones and addresses unmasked"),
            (MANAGE_USERS, "Manage users and store grants"),
        ]

    def __str__(self) -> str:
        return "module access"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the raw value is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, default="default")
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @classmethod
    def new_raw_key(cls) -> str:
        return "sho_" + secrets.token_urlsafe(32)

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit log is append-only")

    def delete(self):
        raise PermissionError("the audit log is append-only")


class AuditEntry(models.Model):
    """Who changed what, when, before and after. Append-only: also enforced by DB triggers."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("actor")
    )
    actor_name = models.CharField(_("actor"), max_length=150)
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("store")
    )
    action = models.CharField(_("action"), max_length=32)
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    via = models.CharField(_("via"), max_length=16, default="web")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["store", "-at"]),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit log is append-only")


class WorkerHeartbeat(models.Model):
    """One row per worker process, touched on start and every minute; /healthz reads it."""

    name = models.CharField(max_length=200, unique=True)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 code such as CNY."))


class CurrencySettings(models.Model):
    """The installation's reporting currency and how far back a missing day's rate may be
    taken from: one row (pk 1), read through `core.rates.currency_settings`."""

    reporting_currency = models.CharField(
        _("reporting currency"),
        max_length=3,
        default="CNY",
        validators=[CURRENCY_CODE],
        help_text=_("Money of stores in different currencies is added up in this currency."),
    )
    rate_window_days = models.PositiveSmallIntegerField(
        _("days a rate stays valid"),
        default=7,
        validators=[MinValueValidator(0), MaxValueValidator(366)],
        help_text=_(
            "A day without its own rate uses the latest earlier rate at most this many days old."
        ),
    )

    class Meta:
        verbose_name = _("currency settings")
        verbose_name_plural = _("currency settings")

    def __str__(self) -> str:
        return self.reporting_currency


class ExchangeRate(models.Model):
    """How many units of `quote` (the reporting currency when the rate was entered) one
    unit of `currency` was worth on `day`: 2011-03-01 GBP→CNY 10.5721. Only rates quoted in
    the current reporting currency are used, so changing it never misreads old rates."""

    day = models.DateField(_("date"))
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_CODE])
    quote = models.CharField(_("in"), max_length=3, validators=[CURRENCY_CODE])
    rate = models.DecimalField(
        _("rate"),
        max_digits=16,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-day", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "quote", "day"], name="unique_rate_per_day"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="rate_positive"),
        ]
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")

    def __str__(self) -> str:
        return f"{self.day} {self.currency}→{self.quote} {self.rate}"
