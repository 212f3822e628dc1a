"""The Spark side of the spark engine: one SparkSession per process, and a standalone
cluster (a master and N workers on loopback) for the benchmark.

The master is `SPARK_MASTER` (e.g. spark://host:7077) or `local[2]`. Times are UTC inside
Spark, as in DuckDB; local days were computed when the lake was written.
"""

import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

_session = None


def spark_home() -> Path:
    try:
        import pyspark
    except ImportError:
        from shopops.analytics.errors import EngineUnavailable

        raise EngineUnavailable(
            "the spark engine needs PySpark: run ./shopops setup --with spark"
        ) from None
    return Path(pyspark.__file__).parent


LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def _conf_dir() -> Path:
    """Spark configuration with quiet logging (errors only) in var/spark-conf."""
    from django.conf import settings

    conf = Path(settings.VAR_DIR) / "spark-conf"
    conf.mkdir(parents=True, exist_ok=True)
    path = conf / "log4j2.properties"
    if not path.exists() or path.read_text() != LOG4J:
        path.write_text(LOG4J)
    return conf


def _env() -> dict:
    return {
        **os.environ,
        "SPARK_CONF_DIR": str(_conf_dir()),
        "SPARK_HOME": str(spark_home()),
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "SPARK_LOCAL_IP": "127.0.0.1",
    }


def get():
    """The process's SparkSession, started on first use."""
    global _session
    if _session is None:
        os.environ.update({k: v for k, v in _env().items() if k.startswith(("SPARK", "PYSPARK"))})
        from pyspark.sql import SparkSession

        master = os.environ.get("SPARK_MASTER", "local[2]")
        _session = (
            SparkSession.builder.master(master)
            .appName("shopops")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", os.environ.get("SHOPOPS_SPARK_PARTITIONS", "8"))
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", os.environ.get("SHOPOPS_SPARK_DRIVER_MEMORY", "2g"))
            .getOrCreate()
        )
        _session.sparkContext.setLogLevel("ERROR")
    return _session


def stop() -> None:
    global _session
    if _session is not None:
        _session.stop()
        _session = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def standalone_cluster(workers: int = 2, cores: int = 1, memory: str = "2g", timeout: float = 90):
    """A Spark standalone master and `workers` workers on loopback; yields the master URL."""
    spark_class = str(spark_home() / "bin" / "spark-class")
    port, ui = _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    logs = Path(tempfile.mkdtemp(prefix="shopops-spark-"))
    processes = []

    def start(name: str, *args: str) -> None:
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        processes.append(
            (
                subprocess.Popen(  # noqa: S603 - our own arguments
                    [spark_class, *args], env=_env(), stdout=log, stderr=subprocess.STDOUT
                ),
                log,
            )
        )

    try:
        start(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--webui-port",
            str(ui),
        )
        for n in range(workers):
            start(
                f"worker{n}",
                "org.apache.spark.deploy.worker.Worker",
                url,
                "--host",
                "127.0.0.1",
                "--cores",
                str(cores),
                "--memory",
                memory,
                "--webui-port",
                str(_free_port()),
                "--work-dir",
                str(logs / f"work{n}"),
            )
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{ui}/json/", timeout=2) as r:
                    if json.load(r).get("aliveworkers", 0) >= workers:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Spark cluster did not come up; logs in {logs}")
            time.sleep(0.5)
        yield url
    finally:
        for process, log in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()
