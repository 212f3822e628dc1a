"""The `shopops` command. `./shopops` (the bootstrap script) installs, then runs this."""

import json
import os
import sys
import time
from pathlib import Path

import click
from django.utils.translation import gettext as _

# Plain-Python modules (no Django models), so importing them costs nothing at start-up.
from shopops.bootstrap import setup_django
from shopops.core.output import format_rows
from shopops.ingest.formats import FORMATS
from shopops.ingest.kinds import KINDS


def fail(message: str) -> None:
    click.echo(_("shopops: error: %(message)s") % {"message": message}, err=True)
    sys.exit(2)


def store_named(code: str):
    """The store of `code`, or exit 2 naming the option (after setup_django)."""
    from shopops.core.models import Store

    found = Store.objects.filter(code=code).first()
    if found is None:
        fail(_("--store: no store with code %(code)r") % {"code": code})
    return found


def validation_message(exc) -> str:
    """A ValidationError as one line, worded as the API's 422 (core.validation)."""
    from shopops.core.validation import message

    return message(exc)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--lang",
    envvar="SHOPOPS_LANG",
    default=None,
    help="Language of messages: zh-hans or en (default from LANG).",
)
def main(lang):
    """ShopOps (电商运营中枢): the operations system of an e-commerce team."""
    if lang is None:
        lang = "en" if os.environ.get("LANG", "").startswith("en") else "zh-hans"
    os.environ["SHOPOPS_CLI_LANG"] = lang


@main.command(
    context_settings={
        "ignore_unknown_options": True,
        "allow_extra_args": True,
        "help_option_names": [],
    }
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args):
    """Run a Django management command (manage.py), e.g. `manage migrate`."""
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shopops manage", *args])


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers", default=1, show_default=True, type=int, help="Number of granian worker processes."
)
@click.option(
    "--threads",
    default=16,  # processes.THREADS, not imported here to keep start-up short
    show_default=True,
    type=click.IntRange(1, 256),
    help="Request threads per worker (each may hold a database connection); requests beyond "
    "them wait in order.",
)
def serve(host, port, workers, threads):
    """Serve the console with granian (DATABASE_URL picks the database)."""
    from shopops.devtools import processes

    setup_django(migrate=True)
    sys.exit(processes.run_foreground([processes.web_command(host, port, workers, threads)]))


@main.command()
def worker():
    """Run the huey consumer: scheduled reports, alerts, timeouts."""
    setup_django(migrate=True)
    from django.core.management import call_command
    from huey.contrib.djhuey.management.commands.run_huey import Command

    call_command(Command())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-run", is_flag=True, help="Prepare the demo and print credentials, then exit.")
@click.option(
    "--load-only", is_flag=True, help="(Re)load the demo store's simulated data, then exit."
)
@click.option("--seed", default=42, show_default=True, type=int, help="Simulation seed.")
@click.option("--months", default=12, show_default=True, type=int, help="Months of history.")
@click.option(
    "--orders",
    "target_orders",
    default=60000,
    show_default=True,
    type=int,
    help="About how many orders to simulate.",
)
def demo(host, port, no_run, load_only, seed, months, target_orders):
    """Embedded database + demo store + users per role, then web and worker until Ctrl-C."""
    setup_django(migrate=True)
    from shopops.devtools import demo as demo_setup
    from shopops.devtools import demo_data, processes

    credentials = demo_setup.prepare()
    store_obj = demo_setup.demo_store()
    if load_only or not demo_data.has_data(store_obj):
        started = time.monotonic()
        made = demo_data.load(
            store_obj,
            seed=seed,
            months=months,
            target_orders=target_orders,
            progress=lambda msg: click.echo(f"demo data: {msg}", err=True),
        )
        click.echo(
            f"demo data: {made['orders']} orders ({made['paid_orders']} paid), "
            f"{made['customers']} customers, {made['skus']} SKUs, {made['from']} … {made['to']}"
            f" in {time.monotonic() - started:.0f} s",
            err=True,
        )
        if load_only:
            return
    if demo_setup.demo_goals(store_obj):
        # Yesterday's daily report at once; the worker makes the next ones each morning.
        from datetime import datetime as dt
        from datetime import timedelta

        from shopops.monitoring.daily_report import build

        build(store_obj, dt.now(store_obj.zone).date() - timedelta(days=1))
    demo_setup.demo_fulfilment(store_obj)
    demo_setup.demo_plan(store_obj)
    from shopops.analytics.lake_refresh import refresh_lake
    from shopops.inventory.replenishment import forecast

    refresh_lake()  # the columnar replica, so that the first metric questions are fast
    from shopops.devtools import demo_campaigns

    demo_campaigns.load(store_obj)  # 618 and 双11 as campaigns, their targets from the metrics

    forecast(store_obj)  # so the first look at 补货建议 does not wait for the models
    click.echo(demo_setup.format_credentials(credentials, f"http://{host}:{port}/"))
    if no_run:
        return
    sys.exit(
        processes.run_foreground(
            [processes.web_command(host, port, 1), processes.worker_command()],
            ready_message=f"ShopOps is up at http://{host}:{port}/  (Ctrl-C stops web and worker)",
            ready_url=f"http://{host}:{port}/healthz",
        )
    )


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("-k", "keyword", default=None, help="Only tests matching this pytest expression.")
@click.option("--no-browser", is_flag=True, help="Skip the Playwright browser tests.")
@click.option("--no-postgres", is_flag=True, help="Skip the PostgreSQL run.")
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def test(keyword, no_browser, no_postgres, pytest_args):
    """Lint, then the whole suite on SQLite, again on PostgreSQL, and the browser tests."""
    from shopops.devtools import testrun

    sys.exit(
        testrun.run(
            keyword=keyword,
            browser=not no_browser,
            postgres=not no_postgres,
            extra=list(pytest_args),
        )
    )


@main.command("import")
@click.argument("kind", type=click.Choice(list(KINDS)), metavar="KIND")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option(
    "--format",
    "fmt",
    default="shopops",
    show_default=True,
    type=click.Choice(FORMATS),
    help="Input format of the file.",
)
@click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(exists=True, dir_okay=False),
    help="YAML or JSON column mapping (implies --format mapping).",
)
@click.option("--dry-run", is_flag=True, help="Validate and count, write nothing.")
@click.option(
    "--skip-invalid", is_flag=True, help="Import the valid rows and report the rejected ones."
)
@click.option(
    "--rejects",
    "rejects_path",
    type=click.Path(dir_okay=False),
    help="Write rejected rows here (CSV with line and reason).",
)
@click.option(
    "--reread",
    is_flag=True,
    help="Read and compare every row even when this file was imported whole before and "
    "nothing stored has changed since (orders, order_lines).",
)
@click.option(
    "--output",
    "out_fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json prints the summary for scripts.",
)
def import_(
    kind, file, store_code, fmt, mapping_path, dry_run, skip_invalid, rejects_path, reread, out_fmt
):
    """Import a file of KIND: orders, order_lines, products, stock, traffic, ads, tracking or
    tasks (template 2)."""
    setup_django(migrate=True)
    from shopops.ingest.errors import ImportFailed
    from shopops.ingest.pipeline import load_mapping, run_import

    store_obj = store_named(store_code)
    bar = _progress_bar() if out_fmt == "text" and sys.stderr.isatty() else None
    try:
        mapping = load_mapping(mapping_path) if mapping_path else None
        if mapping_path:
            fmt = "mapping"
        result = run_import(
            store=store_obj,
            kind=kind,
            path=file,
            fmt=fmt,
            mapping=mapping,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            rejects_path=rejects_path,
            via="cli",
            progress=bar.update if bar else None,
            reread=reread,
        )
    except ImportFailed as exc:
        if bar:
            bar.close()
        fail(exc.message)
    if bar:
        bar.close()
    if out_fmt == "json":
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, default=str))
    else:
        click.echo(result.summary())
        for r in result.rejects[:20]:
            click.echo(
                f"  line {r.line}{', column ' + r.column if r.column else ''}: {r.reason}", err=True
            )
        if result.rejected > 20:
            click.echo(f"  … {result.rejected - 20} more", err=True)
    sys.exit(1 if result.rejected else 0)


class _progress_bar:
    """A progress bar on stderr, by bytes read."""

    def __init__(self):
        self.bar = None

    def update(self, rows, done, total):
        if self.bar is None:
            self.bar = click.progressbar(
                length=max(total, 1), label="importing", file=sys.stderr, show_pos=False
            )
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command("metrics")
@click.argument("keys", nargs=-1, required=True)
@click.option(
    "--store", "store_codes", required=True, multiple=True, help="Store code; repeat for several."
)
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--by",
    "grain",
    default="day",
    show_default=True,
    type=click.Choice(["day", "week", "month", "quarter", "none"]),
)
@click.option("--dim", "dims", multiple=True, help="Break down by a dimension (up to two).")
@click.option("--filter", "filters", multiple=True, help="dimension:value, repeatable.")
@click.option("--compare", type=click.Choice(["prev", "wow", "yoy"]), default=None)
@click.option(
    "--engine",
    default=lambda: os.environ.get("SHOPOPS_METRICS_ENGINE", "duckdb"),
    show_default="duckdb, or SHOPOPS_METRICS_ENGINE",
    type=click.Choice(["duckdb", "reference", "sql", "spark"]),
)
@click.option(
    "--format",
    "out_fmt",
    default="table",
    show_default=True,
    type=click.Choice(["table", "json", "csv"]),
)
def metrics_cmd(keys, store_codes, start, end, grain, dims, filters, compare, engine, out_fmt):
    """Metrics of METRICS.md for stores and a period, e.g. `metrics gmv buyers aov --store demo
    --from 2026-06-01 --to 2026-06-30 --by week --compare prev`."""
    setup_django(migrate=True)
    from shopops.analytics.catalog import UnknownMetric
    from shopops.analytics.display import with_unit
    from shopops.analytics.errors import EngineUnavailable
    from shopops.analytics.limits import check_metrics_query
    from shopops.analytics.queries import columns, labels, metrics
    from shopops.analytics.request import parse_filters
    from shopops.core.bounds import OutOfBounds

    stores = []
    for code in store_codes:
        store_obj = store_named(code)
        stores.append(store_obj)
    try:
        check_metrics_query(start.date(), end.date(), grain, compare)
    except OutOfBounds as exc:
        fail(f"--{exc.field}: {exc.message}")  # the same bounds as the API's, named as options
    try:
        rows = metrics(
            list(keys),
            stores,
            start.date(),
            end.date(),
            grain,
            engine,
            dims=dims,
            filters=parse_filters(filters),
            compare=compare,
        )
    except (UnknownMetric, ValueError, EngineUnavailable) as exc:
        fail(str(exc))
    conversion = rows.conversion
    # Exact decimals (ratios carry 6 places), null where undefined: core.output's rules.
    # Money carries its currency: in the table's titles when the rows share one, else (and
    # in JSON and CSV always) in a currency column.
    names = columns(list(keys), dims, compare)
    titles = labels(list(keys)) if out_fmt == "table" else None
    if out_fmt == "table" and rows.currency:
        titles = {k: with_unit(k, t, rows.currency) for k, t in titles.items()}
    if out_fmt != "table" or not rows.currency:
        names.insert(1 + len(dims), "currency")
        rows = [{**r, "currency": rows.currency_of(r)} for r in rows]
    click.echo(format_rows(rows, names, out_fmt, titles=titles), nl=False)
    if conversion is not None:
        click.echo(
            _("money converted to %(currency)s at the daily rates %(summary)s")
            % {"currency": conversion.currency, "summary": conversion.summary()},
            err=True,
        )


@main.command("replenish")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option(
    "--date",
    "day",
    default=None,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Plan as of this day: demand up to the day before [default: today in the store's zone].",
)
@click.option(
    "--format",
    "out_fmt",
    default="table",
    show_default=True,
    type=click.Choice(["table", "json", "csv", "xlsx"]),
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="XLSX file to write.")
def replenish(store_code, day, out_fmt, output):
    """Reorder suggestions: forecast per day, cover, stock-out date, what to order, and the
    order lines left out of the demand (one-off bulk orders, cancelled or refunded ones)."""
    setup_django(migrate=True)
    from shopops.inventory import replenishment

    store_obj = store_named(store_code)
    zh = os.environ.get("SHOPOPS_CLI_LANG", "zh-hans").startswith("zh")
    found = replenishment.suggestions(store_obj, day.date() if day else None)
    rows = [
        {
            "sku": s.sku,
            "model": s.model,
            "forecast_per_day": s.daily,
            "available": s.available,
            "on_order": s.on_order,
            "days_of_cover": s.days_of_cover,
            "stockout_on": s.stockout_on.isoformat() if s.stockout_on else None,
            "lead_days": s.lead_days,
            "reorder_point": s.reorder_point,
            "suggested": s.suggested,
            "review": s.review,
            "largest_30_days": s.largest_30,
            "excluded": "; ".join(f"{e.order_id} x{e.quantity} {e.reason}" for e in s.excluded),
            "why": replenishment.explain(s, zh),
        }
        for s in found
    ]
    if out_fmt == "xlsx":
        from shopops.inventory.replenishment_export import suggestions_xlsx

        for s in found:
            s.why = replenishment.explain(s, zh)
        path = Path(output or f"replenishment-{store_code}.xlsx")
        path.write_bytes(suggestions_xlsx(found, zh))
        click.echo(str(path))
        return
    names = list(rows[0]) if rows else ["sku", "suggested"]
    click.echo(format_rows(rows, names, out_fmt), nl=False)
    if not rows:
        click.echo(_("No stocked or selling SKUs yet."), err=True)


@main.group()
def report():
    """Reports: the daily monitoring report (核心数据监控日报)."""


@report.command("daily")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option(
    "--date",
    "day",
    default=None,
    type=click.DateTime(["%Y-%m-%d"]),
    help="Report day [default: yesterday in the store's zone].",
)
@click.option(
    "--format",
    "out_fmt",
    default="json",
    show_default=True,
    type=click.Choice(["json", "xlsx", "pdf", "html"]),
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write.")
@click.option("--rebuild", is_flag=True, help="Recompute even if the report exists.")
def report_daily(store_code, day, out_fmt, output, rebuild):
    """The daily report of a store and day, made now if it does not exist yet."""
    setup_django(migrate=True)
    from shopops.monitoring import daily_report, report_export

    store_obj = store_named(store_code)
    day = day.date() if day else daily_report.default_day(store_obj)
    made = daily_report.report_for(store_obj, day, rebuild=rebuild)
    if out_fmt == "json":
        text = json.dumps(report_export.to_json(made), ensure_ascii=False, indent=2)
    elif out_fmt == "html":
        text = report_export.to_html(made)
    else:
        path = Path(output or f"daily-report-{store_code}-{day}.{out_fmt}")
        try:
            report_export.write(made, out_fmt, path)
        except report_export.PdfUnavailable as exc:
            fail(str(exc))
        click.echo(str(path))
        return
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(output)
    else:
        click.echo(text)


@main.group()
def alerts():
    """Alert rules and alerts (预警中心)."""


@alerts.command("evaluate")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option(
    "--date",
    "day",
    default=None,
    type=click.DateTime(["%Y-%m-%d"]),
    help="The day metric rules judge [default: yesterday in the store's zone].",
)
@click.option("--dry-run", is_flag=True, help="Say what would open and resolve, write nothing.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def alerts_evaluate(store_code, day, dry_run, out_fmt):
    """Evaluate the store's enabled rules now and open, keep or resolve their alerts."""
    setup_django(migrate=True)
    from shopops.alerts import services
    from shopops.alerts.models import AlertRule

    store_obj = store_named(store_code)
    result = services.run(store_obj, day=day.date() if day else None, dry_run=dry_run)
    names = dict(AlertRule.objects.filter(store=store_obj).values_list("pk", "name"))
    out = {
        "store": store_obj.code,
        "dry_run": dry_run,
        "opened": [
            {"rule": a.rule.name, "scope": a.scope, "title": a.title_zh} for a in result.opened
        ],
        "kept": len(result.kept),
        "resolved": [{"rule": a.rule.name, "scope": a.scope} for a in result.resolved],
        "cooling": [{"rule": r.name, "scope": s} for r, s in result.cooling],
        "skipped": {names[k]: v for k, v in result.skipped.items()},
        "errors": {names[k]: v for k, v in result.errors.items()},
    }
    if out_fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        verb = "would open" if dry_run else "opened"
        click.echo(
            f"{store_obj.code}: {verb} {len(result.opened)}, kept {len(result.kept)}, "
            f"resolved {len(result.resolved)}, in cooldown {len(result.cooling)}"
        )
        for item in out["opened"]:
            click.echo(f"  + {item['rule']}: {item['title']}")
        for name, why in out["skipped"].items():
            click.echo(f"  - {name}: not judged ({why})")
        for name, error in out["errors"].items():
            click.echo(f"  ! {name}: {error}", err=True)
    if result.errors:
        sys.exit(1)


@alerts.group("benchmarks")
def alerts_benchmarks():
    """A store's benchmarks (行业基准) for its benchmark rules, e.g. the industry's CTR."""


@alerts_benchmarks.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--dry-run", is_flag=True, help="Check the file, write nothing.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def alerts_benchmarks_import(path, store_code, dry_run, out_fmt):
    """Import benchmarks from CSV or XLSX with the columns metric, value and optionally
    source (指标, 基准值, 来源); a share as 0.035 or 3.5%. All or none."""
    setup_django(migrate=True)
    from shopops.alerts import benchmarks
    from shopops.ingest.errors import ImportFailed

    store_obj = store_named(store_code)
    try:
        done = benchmarks.import_file(None, store_obj, Path(path), dry_run=dry_run, via="cli")
    except ImportFailed as exc:
        fail(exc.message)
    if out_fmt == "json":
        click.echo(json.dumps({"store": store_obj.code, **done}, ensure_ascii=False))
        return
    click.echo(
        f"{store_obj.code}: {done['benchmarks']} benchmarks ({', '.join(done['metrics'])}): "
        f"{done['inserted']} new, {done['updated']} changed, {done['unchanged']} unchanged"
        + (" (dry run: nothing written)" if dry_run else "")
    )


@alerts_benchmarks.command("list")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def alerts_benchmarks_list(store_code, out_fmt):
    """The store's benchmarks."""
    setup_django(migrate=True)
    from shopops.alerts import benchmarks

    store_obj = store_named(store_code)
    rows = [
        {"metric": b.metric, "value": str(b.value), "source": b.source}
        for b in benchmarks.of_store(store_obj)
    ]
    if out_fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(
            "No benchmarks. ./shopops alerts benchmarks import FILE --store CODE "
            "(columns metric, value, source)."
        )
    for r in rows:
        click.echo(f"{r['metric']:<16} {r['value']:>16}  {r['source']}")


@alerts.command("list")
@click.option("--store", "store_code", default=None, help="Store code [default: every store].")
@click.option(
    "--state",
    default="open",
    show_default=True,
    type=click.Choice(["open", "acknowledged", "resolved", "all"]),
    help="open: not resolved yet.",
)
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def alerts_list(store_code, state, out_fmt):
    """The alerts of a store (or of every store), newest first."""
    setup_django(migrate=True)
    from shopops.alerts.queries import alerts_of, as_dict
    from shopops.core.models import Store

    stores = [store_named(store_code)] if store_code else Store.objects.all()
    rows = [as_dict(a) for a in alerts_of(stores, state="" if state == "all" else state)]
    if out_fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(
            "No alerts. Rules run in the worker (./shopops worker) or with "
            "./shopops alerts evaluate --store CODE."
        )
    for r in rows:
        click.echo(
            f"{r['id']:>6}  {r['store']:<10} {r['severity']:<8} {r['state']:<12} "
            f"{r['opened_at'][:16]}  {r['title_zh']}"
        )


@main.group()
def lake():
    """The Parquet lake the spark engine reads."""


@lake.command("export")
@click.option(
    "--to",
    "to_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Lake directory [default: SHOPOPS_LAKE_DIR or var/lake].",
)
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def lake_export(to_dir, out_fmt):
    """Write the fact tables to Parquet by store and month; only changed partitions."""
    setup_django(migrate=True)
    from shopops.analytics import lake as lake_module

    summary = lake_module.export(
        Path(to_dir) if to_dir else None, progress=lambda m: click.echo(m, err=True)
    )
    if out_fmt == "json":
        click.echo(json.dumps(summary, indent=2))
        return
    for table, t in summary["tables"].items():
        click.echo(
            _(
                "%(table)s: %(partitions)d partitions, %(written)d written (%(rows)d rows), "
                "%(removed)d removed"
            )
            % {"table": table, **t}
        )
    click.echo(_("lake %(dir)s up to date in %(seconds)s s") % summary)


@main.command()
@click.option(
    "--with",
    "extras",
    multiple=True,
    type=click.Choice(["spark"]),
    help="Optional parts to install (the bootstrap installs them before this runs).",
)
def setup(extras):
    """Install what the console needs (and optional parts), apply migrations, and check."""
    setup_django(migrate=True)
    if "spark" in extras:
        import shutil
        import subprocess

        from shopops.analytics.spark_session import spark_home

        java = shutil.which("java")
        if java is None:
            fail(_("the spark engine needs Java 17 or newer on PATH"))
        version = subprocess.run(  # noqa: S603
            [java, "-version"], capture_output=True, text=True, check=False
        ).stderr.splitlines()[0]
        click.echo(
            _("spark: PySpark in %(home)s, %(java)s") % {"home": spark_home(), "java": version}
        )
    click.echo(_("shopops: ready"))


@main.group()
def bench():
    """Benchmarks, each printing its times against a baseline measured in the same run."""


@bench.command("replenish")
@click.option("--skus", default=200, show_default=True, type=int, help="Best sellers to test.")
@click.option(
    "--data",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: Path(__file__).resolve().parents[3] / "shared" / "data",
    show_default="../shared/data",
)
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_replenish_cmd(skus, data, out_fmt):
    """The forecast's 8-week rolling backtest on the real UCI Online Retail data, beside
    seasonal naive's from the same run."""
    from shopops.devtools import bench_replenish

    sys.exit(bench_replenish.run(Path(data), skus, out_fmt))


@bench.command("promo")
@click.option("--carts", default=100_000, show_default=True, type=int, help="Random carts.")
@click.option(
    "--naive-carts",
    default=None,
    type=int,
    help="Of the same carts, how many the naive search prices (default: all of them).",
)
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_promo_cmd(carts, naive_carts, out_fmt):
    """The promotion calculator's carts/s against a naive search of every combination."""
    from shopops.devtools import bench_promo

    sys.exit(bench_promo.run(carts, carts if naive_carts is None else naive_carts, out_fmt))


@bench.command("startup")
@click.option("--runs", default=5, show_default=True, type=int, help="Runs of each command.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_startup_cmd(runs, out_fmt):
    """Whole-process time of store list, and worker and serve until ready, against --help."""
    from shopops.devtools import bench_startup

    sys.exit(bench_startup.run(runs, out_fmt))


@bench.command("import")
@click.option("--lines", default=1_000_000, show_default=True, type=int)
@click.option(
    "--db",
    "databases",
    multiple=True,
    type=click.Choice(["sqlite", "postgres"]),
    default=["sqlite", "postgres"],
    show_default=True,
)
@click.option(
    "--output", "out_fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def bench_import_cmd(lines, databases, out_fmt):
    """Import a generated export of LINES order lines (orders file + order_lines file), then
    again (the same files: answered as stored), then again with --reread; compare with csv +
    executemany/COPY."""
    from shopops.devtools import bench_import

    sys.exit(bench_import.run(lines, list(databases), out_fmt))


@bench.command("metrics")
@click.option("--lines", default=10_000_000, show_default=True, type=int)
@click.option(
    "--spark/--no-spark",
    default=False,
    show_default=True,
    help="Also time the Spark engine on a standalone master with two workers.",
)
@click.option(
    "--runs",
    default=3,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Runs of each whole process (the median is shown).",
)
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_metrics_cmd(lines, spark, runs, out_fmt):
    """Time the standard report set through the engine against hand-written DuckDB SQL,
    the same SQL on SQLite, and pandas, on LINES generated order lines; then whole
    processes and cold API calls against hand-written DuckDB processes."""
    from shopops.devtools import bench_metrics

    sys.exit(bench_metrics.run(lines, spark, out_fmt, runs))


@bench.command("dashboard")
@click.option("--requests", default=50, show_default=True, type=int)
@click.option("--months", default=12, show_default=True, type=int, help="Demo history.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_dashboard_cmd(requests, months, out_fmt):
    """Server time of the dashboard on the demo store (p50, p95) against /healthz."""
    from shopops.devtools import bench_dashboard

    sys.exit(bench_dashboard.run(requests, months, out_fmt))


@bench.command("alerts")
@click.option("--stores", default=20, show_default=True, type=int)
@click.option(
    "--orders", default=60000, show_default=True, type=int, help="Orders a store (about)."
)
@click.option("--months", default=12, show_default=True, type=int, help="History a store.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_alerts_cmd(stores, orders, months, out_fmt):
    """One evaluation round of the default rules over STORES demo stores, cold and warm,
    with its engine calls, against the same rules unbatched in the same run."""
    from shopops.devtools import bench_alerts

    sys.exit(bench_alerts.run(stores, orders, months, out_fmt))


@bench.command("pages")
@click.option("--requests", default=10, show_default=True, type=int, help="Warm requests per page.")
@click.option("--months", default=12, show_default=True, type=int, help="Demo history.")
@click.option("--orders", default=60000, show_default=True, type=int, help="Demo orders (about).")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_pages_cmd(requests, months, orders, out_fmt):
    """Server time of every console page on the demo store as the ops lead: the first
    request and p50/p95 of REQUESTS more, against /healthz in the same run."""
    from shopops.devtools import bench_pages

    sys.exit(bench_pages.run(requests, months, orders, out_fmt))


@bench.command("flash-sale")
@click.option(
    "--db",
    "databases",
    multiple=True,
    type=click.Choice(["sqlite", "postgres"]),
    default=["sqlite", "postgres"],
    show_default=True,
)
@click.option("--orders", default=2000, show_default=True, type=int)
@click.option("--stock", default=500, show_default=True, type=int)
@click.option("--concurrency", default=64, show_default=True, type=int)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 64),
    help="granian workers.  [default: one a CPU core]",
)
@click.option(
    "--threads",
    default=None,
    type=click.IntRange(1, 256),
    help="Request threads per granian worker.  [default: as `serve`, 16]",
)
@click.option(
    "--retries",
    default=0.05,
    show_default=True,
    type=float,
    help="Share of orders posted a second time, as channels retry.",
)
@click.option(
    "--batch",
    default=100,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Orders a request of the POST /orders/batch row.",
)
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_flash_sale_cmd(
    databases, orders, stock, concurrency, workers, threads, retries, batch, out_fmt
):
    """A 秒杀 over HTTP against the real server: ORDERS concurrent intakes for STOCK units of
    one SKU; checks nothing is oversold, lost or duplicated, against bare conditional
    UPDATEs from the same number of threads."""
    from shopops.devtools import bench_flash_sale

    sys.exit(
        bench_flash_sale.run(
            list(databases), orders, stock, concurrency, workers, retries, out_fmt, batch, threads
        )
    )


@bench.command("soak")
@click.option("--minutes", default=10.0, show_default=True, type=float)
@click.option("--web-workers", default=2, show_default=True, type=int, help="granian workers.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def bench_soak_cmd(minutes, web_workers, out_fmt):
    """Everything at once on SQLite for MINUTES: intakes, goals and stock movements over
    HTTP, metric queries, CLI imports, API uploads run by the worker, and an outside process
    opening the file; then integrity_check, every committed write present, and the worker's
    heartbeat alive. Baseline: the intakes alone on the same server."""
    from shopops.devtools import bench_soak

    sys.exit(bench_soak.run(minutes, web_workers, out_fmt))


@main.group()
def store():
    """Add and list stores."""


@store.command("add")
@click.argument("code")
@click.option("--name", required=True)
@click.option(
    "--platform",
    required=True,
    type=click.Choice(["taobao", "tmall", "jd", "pdd", "douyin", "shopify", "own"]),
)
@click.option("--currency", default="CNY", show_default=True)
@click.option("--timezone", "tz", default="Asia/Shanghai", show_default=True)
@click.option(
    "--commission-rate",
    default="0",
    show_default=True,
    help="Platform commission as a fraction of paid amount, e.g. 0.05.",
)
def store_add(code, name, platform, currency, tz, commission_rate):
    """Add a store: ./shopops store add CODE --name NAME --platform tmall …"""
    from decimal import Decimal, InvalidOperation

    setup_django(migrate=True)
    from django.core.exceptions import ValidationError

    from shopops.core import services

    try:
        rate = Decimal(commission_rate)
    except InvalidOperation:
        fail(_("--commission-rate: %(value)r is not a number") % {"value": commission_rate})
    try:
        created = services.create_store(
            None,
            via="cli",
            code=code,
            name=name,
            platform=platform,
            currency=currency.upper(),
            timezone=tz,
            commission_rate=rate,
        )
    except ValidationError as exc:
        fail(validation_message(exc))
    click.echo(
        _("store %(code)s created (%(name)s, %(platform)s, %(currency)s, %(timezone)s)")
        % {
            "code": created.code,
            "name": created.name,
            "platform": created.platform,
            "currency": created.currency,
            "timezone": created.timezone,
        }
    )


@store.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def store_list(fmt):
    """List stores."""
    setup_django(migrate=True)
    from shopops.core.models import Store

    rows = [
        {
            "code": s.code,
            "name": s.name,
            "platform": s.platform,
            "currency": s.currency,
            "timezone": s.timezone,
            "commission_rate": str(s.commission_rate),
            "active": s.is_active,
        }
        for s in Store.objects.order_by("code")
    ]
    names = ["code", "name", "platform", "currency", "timezone", "commission_rate", "active"]
    click.echo(format_rows(rows, names, fmt), nl=False)
    if not rows:  # on stderr: the table, JSON or CSV on stdout stays what a script reads
        click.echo(
            "No store yet: add one with ./shopops store add CODE --name NAME --platform tmall,"
            " or try ./shopops demo.",
            err=True,
        )


@main.group()
def campaigns():
    """A store's campaigns (活动推广) and their retrospectives (template 4)."""


@campaigns.command("list")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def campaigns_list(store_code, out_fmt):
    """The store's campaigns, newest first, with their state and dates."""
    setup_django(migrate=True)
    from shopops.campaigns import queries
    from shopops.planning.work import today_of

    store_obj = store_named(store_code)
    rows = queries.rows(store_obj, today_of(store_obj))
    if out_fmt == "json":
        click.echo(json.dumps([queries.row_dict(r) for r in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"No campaigns in {store_obj.code}. Plan one on the console's 活动推广 page.")
    for r in rows:
        c = r["campaign"]
        dates = f"{r['start']}…{r['end']}" if r["start"] else "—"
        click.echo(
            f"{c.pk:>5}  {r['state_label']:<4}  {dates:<23} {c.get_kind_display():<18} {c.name}"
        )


@campaigns.command("retro")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--campaign", "campaign_id", required=True, type=int, help="Campaign id.")
@click.option(
    "--format",
    "out_fmt",
    default="json",
    show_default=True,
    type=click.Choice(["json", "xlsx", "pdf"]),
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
def campaigns_retro(store_code, campaign_id, out_fmt, output):
    """The campaign's retrospective (运营效果复盘报告): JSON on stdout, or an XLSX or PDF file."""
    setup_django(migrate=True)
    from shopops.campaigns import queries, retro, retro_export
    from shopops.core.pdf import PdfUnavailable
    from shopops.planning.work import today_of

    store_obj = store_named(store_code)
    campaign = queries.campaigns_of(store_obj).filter(pk=campaign_id).first()
    if campaign is None:
        fail(
            f"No campaign {campaign_id} in {store_obj.code}: "
            f"see ./shopops campaigns list --store {store_obj.code}"
        )
    if queries.state(campaign, today_of(store_obj)) not in (queries.LIVE, queries.FINISHED):
        fail(f"Campaign {campaign_id} has not started: the review is drafted from its days' data.")
    found = retro.build(campaign)
    if out_fmt == "json":
        text = json.dumps(retro_export.as_json(found), ensure_ascii=False, indent=2)
        if output:
            output.write_text(text, encoding="utf-8")
        else:
            click.echo(text)
        return
    path = output or Path(f"review-{store_obj.code}-{campaign.pk}.{out_fmt}")
    try:
        retro_export.write(found, out_fmt, path)
    except PdfUnavailable as exc:
        fail(str(exc))
    click.echo(str(path))


@main.group()
def tasks():
    """A store's tasks (计划与执行, template 2)."""


def _tasks_of(store_code, status):
    from shopops.planning.queries import tasks_of

    store_obj = store_named(store_code)
    return store_obj, list(tasks_of(store_obj, {"status": status}))


@tasks.command("list")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--status", default="", help="todo, doing, done, late or cancelled.")
@click.option(
    "--format", "out_fmt", default="table", show_default=True, type=click.Choice(["table", "json"])
)
def tasks_list(store_code, status, out_fmt):
    """The store's tasks by start date."""
    setup_django(migrate=True)
    from shopops.planning.tasks_api import task_dict

    store_obj, rows = _tasks_of(store_code, status)
    if out_fmt == "json":
        click.echo(json.dumps([task_dict(t) for t in rows], ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo(f"No tasks in {store_obj.code}. Add them on the console's 计划与执行 page.")
    for t in rows:
        owner = t.owner.username if t.owner_id else "—"
        click.echo(f"{t.pk:>5}  {t.start}…{t.due}  {t.get_status_display():<10} "
                   f"{t.progress:>3}%  {owner:<14} {t.name}")  # fmt: skip


@tasks.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--dry-run", is_flag=True, help="Check the sheet, write nothing.")
def tasks_import(file, store_code, dry_run):
    """Import a sheet in template 2 (任务名称 任务描述 起始时间 截止时间 负责人 协作部门 交付物
    当前状态 备注), all or none; the same as ./shopops import tasks FILE."""
    setup_django(migrate=True)
    from shopops.ingest.errors import ImportFailed
    from shopops.ingest.pipeline import run_import

    store_obj = store_named(store_code)
    try:
        done = run_import(store=store_obj, kind="tasks", path=Path(file), dry_run=dry_run)
    except ImportFailed as exc:
        fail(exc.message)
    click.echo(
        f"{store_obj.code}: {done.rows} rows, {done.inserted} new, {done.updated} changed, "
        f"{done.unchanged} unchanged" + (" (dry run: nothing written)" if dry_run else "")
    )


@tasks.command("export")
@click.option("--store", "store_code", required=True, help="Store code.")
@click.option("--status", default="", help="todo, doing, done, late or cancelled.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="The XLSX file to write (template 2's columns).")  # fmt: skip
def tasks_export(store_code, status, out_path):
    """Write the store's tasks as template 2 (运营执行任务分配与进度跟踪表)."""
    setup_django(migrate=True)
    from shopops.planning.task_export import tasks_xlsx

    store_obj, rows = _tasks_of(store_code, status)
    Path(out_path).write_bytes(tasks_xlsx(rows))
    click.echo(f"{store_obj.code}: {len(rows)} tasks written to {out_path}")


@main.group()
def rates():
    """Exchange rates and the reporting currency (money of stores in different currencies)."""


@rates.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file, write nothing.")
@click.option(
    "--output", "out_fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
def rates_import(path, dry_run, out_fmt):
    """Import daily rates from CSV or XLSX with the columns date, currency, rate: how many
    units of the reporting currency one unit of the currency was worth that day."""
    setup_django(migrate=True)
    from shopops.ingest.errors import ImportFailed
    from shopops.ingest.rates import import_rates

    try:
        done = import_rates(None, Path(path), dry_run=dry_run, via="cli")
    except ImportFailed as exc:
        fail(exc.message)
    if out_fmt == "json":
        click.echo(json.dumps(done, ensure_ascii=False))
        return
    click.echo(
        _(
            "%(rates)d rates of %(currencies)s in %(currency)s, %(first)s to %(last)s: "
            "%(inserted)d new, %(updated)d changed, %(unchanged)d unchanged"
        )
        % {
            **done,
            "currencies": ", ".join(done["currencies"]),
            "first": done["from"],
            "last": done["to"],
        }
        + (_(" (dry run: nothing written)") if dry_run else "")
    )


@rates.command("set")
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.argument("currency")
@click.argument("rate")
def rates_set(day, currency, rate):
    """Set one day's rate: ./shopops rates set 2024-06-18 GBP 9.2015"""
    from decimal import Decimal, InvalidOperation

    setup_django(migrate=True)
    from django.core.exceptions import ValidationError

    from shopops.core import rates as rate_service

    try:
        value = Decimal(rate)
    except InvalidOperation:
        fail(_("rate: %(value)r is not a number") % {"value": rate})
    try:
        done = rate_service.set_rates(
            None, [rate_service.RateRow(day.date(), currency, value)], via="cli"
        )
    except ValidationError as exc:
        fail(validation_message(exc))
    click.echo(
        _("%(currency)s %(day)s: %(rate)s %(quote)s (%(what)s)")
        % {
            "currency": currency.upper(),
            "day": day.date(),
            "rate": value,
            "quote": rate_service.reporting_currency(),
            "what": _("new")
            if done["inserted"]
            else _("changed")
            if done["updated"]
            else _("unchanged"),
        }
    )


@rates.command("list")
@click.option("--currency", default=None)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
def rates_list(currency, fmt):
    """The rates in the reporting currency, newest first."""
    setup_django(migrate=True)
    from shopops.core import rates as rate_service

    rows = [
        {"date": r.day.isoformat(), "currency": r.currency, "rate": str(r.rate), "in": r.quote}
        for r in rate_service.rates(currency)
    ]
    click.echo(format_rows(rows, ["date", "currency", "rate", "in"], fmt), nl=False)
    if not rows:
        click.echo(
            _("No rates yet: ./shopops rates import FILE (columns date, currency, rate)."),
            err=True,
        )


@rates.command("settings")
@click.option("--reporting", default=None, help="Reporting currency, e.g. CNY.")
@click.option("--window", type=int, default=None, help="Days a rate stays valid (default 7).")
def rates_settings(reporting, window):
    """Show or change the reporting currency and how long a rate stays valid."""
    setup_django(migrate=True)
    from django.core.exceptions import ValidationError

    from shopops.core import rates as rate_service

    found = rate_service.currency_settings()
    if reporting is not None or window is not None:
        try:
            found = rate_service.save_currency_settings(
                None,
                reporting_currency=reporting or found.reporting_currency,
                rate_window_days=found.rate_window_days if window is None else window,
                via="cli",
            )
        except ValidationError as exc:
            fail(validation_message(exc))
    click.echo(
        _("reporting currency %(currency)s; a day without a rate uses one up to %(days)d days old")
        % {"currency": found.reporting_currency, "days": found.rate_window_days}
    )


@main.group()
def user():
    """Add and list users, create API tokens."""


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    help="One of: ops_lead product_ops user_ops campaign_planner "
    "content_editor customer_service analyst warehouse.",
)
@click.option("--store", "stores", multiple=True, help="Grant this store (repeatable).")
@click.option("--password", default=None, help="Password; prompted for when omitted.")
@click.option("--email", default="")
@click.option("--superuser", is_flag=True, help="Administrator: every store and module.")
def user_add(username, role, stores, password, email, superuser):
    """Add a user with a role and granted stores."""
    setup_django(migrate=True)
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from shopops.core import services
    from shopops.core.models import User

    if not role and not superuser:
        fail(_("give --role ROLE or --superuser"))
    granted = []
    for code in stores:
        found = store_named(code)
        granted.append(found)
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        # Against the user being created, so UserAttributeSimilarityValidator sees the
        # username and e-mail, as Django's own createsuperuser does.
        validate_password(password, user=User(username=username, email=email))
        created = services.create_user(
            username=username,
            password=password,
            role=role,
            stores=granted,
            email=email,
            superuser=superuser,
        )
    except ValidationError as exc:
        fail(validation_message(exc))
    click.echo(_("user %(name)s created") % {"name": created.username})


@user.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def user_list(fmt):
    """List users with their role and stores."""
    setup_django(migrate=True)
    from shopops.core.models import User
    from shopops.core.roles import role_of

    rows = []
    for u in User.objects.order_by("username").prefetch_related("groups", "stores"):
        role = role_of(u)
        rows.append(
            {
                "username": u.username,
                "role": "superuser" if u.is_superuser else (role.key if role else ""),
                "stores": ",".join(s.code for s in u.stores.all())
                or ("*" if u.is_superuser else ""),
                "active": u.is_active,
            }
        )
    click.echo(format_rows(rows, ["username", "role", "stores", "active"], fmt), nl=False)


@user.command("token")
@click.argument("username")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
def user_token(username, name):
    """Create a personal API token and print it on its own line."""
    setup_django(migrate=True)
    from shopops.core import services
    from shopops.core.models import User

    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        fail(_("no active user %(name)r") % {"name": username})
    _token, raw = services.create_token(found, name)
    click.echo(raw)


if __name__ == "__main__":
    main()
