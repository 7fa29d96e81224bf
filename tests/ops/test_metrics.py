"""`/-/metrics`, request ids and log lines, through the application in-process, on both databases."""

from __future__ import annotations

import logging
import os
import re
import sys
import uuid
from pathlib import Path

import orjson
import pytest
from starlette.testclient import TestClient

from tests.api.test_delivery import Site, make_site
from tests.conftest import Api
from veneer.logs import REQUEST_ID, AccessLog, JsonFormatter
from veneer.metrics import Metrics, Sample, render
from veneer.settings import ConfigError, Settings

SAMPLE = re.compile(r'[a-z_]+(\{([a-z_]+="[^"]*",?)*\})? -?[0-9.e+-]+|-?inf|nan')
WORKER = f'worker="{os.getpid()}"'


def scrape(client: TestClient) -> dict[str, float]:
    """This process's series, by their name and labels as written (worker label dropped)."""
    response = client.get("/-/metrics")
    assert response.status_code == 200
    values: dict[str, float] = {}
    for line in response.text.splitlines():
        if line.startswith("#") or (WORKER not in line and "worker=" in line):
            continue
        series, value = line.rsplit(" ", 1)
        values[series.replace(WORKER + ",", "").replace("{" + WORKER + "}", "")] = float(value)
    return values


def delta(before: dict[str, float], after: dict[str, float], series: str) -> float:
    return after.get(series, 0) - before.get(series, 0)


@pytest.fixture
def site(api: Api) -> Site:
    return make_site(api)


def test_every_line_is_in_the_exposition_format(client: TestClient) -> None:
    text = client.get("/-/metrics").text
    bad = [
        line
        for line in text.splitlines()
        if not line.startswith("#") and not SAMPLE.fullmatch(line)
    ]
    assert bad == []


def test_metrics_are_served_as_prometheus_text(client: TestClient) -> None:
    assert client.get("/-/metrics").headers["content-type"].startswith("text/plain; version=0.0.4")


def test_each_request_is_counted_once_under_its_family(client: TestClient, site: Site) -> None:
    page = site.pages[0]["uid"]
    before = scrape(client)
    site.entry(page)  # the fast path
    site.entries()
    site.api.get("/content_types")  # management
    after = scrape(client)
    for family in ("delivery_entry", "delivery_list", "management"):
        series = f'veneer_requests_total{{family="{family}",status="2xx"}}'
        assert delta(before, after, series) == 1, family
    assert delta(before, after, 'veneer_requests_total{family="system",status="2xx"}') == 1


def test_an_error_is_counted_by_its_status_class(client: TestClient, site: Site) -> None:
    before = scrape(client)
    site.get("/content_types/page/entries/nope")  # 422: Contentstack's answer for no such entry
    after = scrape(client)
    assert delta(before, after, 'veneer_requests_total{family="delivery_entry",status="4xx"}') == 1


def test_a_repeated_delivery_request_is_a_cache_hit(client: TestClient, site: Site) -> None:
    page = site.pages[1]["uid"]
    site.entry(page)
    before = scrape(client)
    site.entry(page)
    after = scrape(client)
    assert delta(before, after, "veneer_delivery_cache_hits_total") == 1


def test_the_histogram_counts_what_the_counter_counts(client: TestClient, site: Site) -> None:
    site.entry(site.pages[0]["uid"])
    values = scrape(client)
    labels = 'family="delivery_entry",status="2xx"'
    total = values[f"veneer_requests_total{{{labels}}}"]
    assert values[f'veneer_request_duration_seconds_bucket{{{labels},le="+Inf"}}'] == total


def test_database_statements_and_the_job_queue_are_reported(client: TestClient, site: Site) -> None:
    before = scrape(client)
    site.api.get("/content_types")
    after = scrape(client)
    assert delta(before, after, 'veneer_db_query_duration_seconds_count{path="store"}') > 0
    assert "veneer_scheduled_jobs_queued" in after


def test_the_webhook_outbox_depth_is_reported(client: TestClient) -> None:
    values = scrape(client)
    assert {
        'veneer_webhook_outbox{status="pending"}',
        'veneer_webhook_outbox{status="sending"}',
    } <= set(values)


def test_the_pool_is_reported(client: TestClient) -> None:
    assert 'veneer_db_pool_connections{state="in_use"}' in scrape(client)


# -- request ids ---------------------------------------------------------------------------------
def test_a_sent_request_id_is_echoed_by_the_fast_path(site: Site) -> None:
    sent = f"req-{uuid.uuid4()}"
    reply = site.get(
        f"/content_types/page/entries/{site.pages[0]['uid']}", headers={"X-Request-Id": sent}
    )
    assert reply.headers["x-request-id"] == sent


def test_a_sent_request_id_is_echoed_on_an_error(client: TestClient) -> None:
    reply = client.get("/v3/nowhere", headers={"X-Request-Id": "abc.123"})
    assert (reply.status_code, reply.headers["x-request-id"]) == (404, "abc.123")


@pytest.mark.parametrize("sent", ["has space", "x" * 129, 'quote"d', ""])
def test_an_unfit_request_id_is_replaced(client: TestClient, sent: str) -> None:
    made = client.get("/-/version", headers={"X-Request-Id": sent}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]+", made)


def test_a_request_without_an_id_gets_a_new_one_each_time(client: TestClient) -> None:
    ids = {client.get("/-/version").headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


# -- the parts alone -------------------------------------------------------------------------------
def test_a_json_log_line_carries_the_request_id_and_the_traceback() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("veneer", logging.ERROR, "x", 1, "failed", None, sys.exc_info())
    token = REQUEST_ID.set("rid-1")
    try:
        line = JsonFormatter().format(record)
    finally:
        REQUEST_ID.reset(token)
    body = orjson.loads(line)
    assert (body["request_id"], body["message"], "\n" in line) == ("rid-1", "failed", False)
    assert body["traceback"].splitlines()[-1] == "ValueError: boom"


def test_plain_request_lines_name_the_request(tmp_path: Path) -> None:
    with (tmp_path / "log").open("wb") as out:
        access = AccessLog("plain", out.fileno())
        access.request("GET", "system", "/-/version", 200, 0.5, "rid-2")
        access.close()
    line = (tmp_path / "log").read_text()
    assert (
        line.split(" ", 1)[1]
        == "INFO veneer.access GET /-/version 200 0.5ms family=system request_id=rid-2\n"
    )


def test_histogram_buckets_are_cumulative() -> None:
    metrics = Metrics()
    for seconds in (0.0005, 0.003, 0.003, 20.0):
        metrics.request("system", 200, seconds)
    text = render({7: metrics.samples()})
    assert (
        'veneer_request_duration_seconds_bucket{worker="7",family="system",status="2xx",le="0.005"} 3'
        in text
    )
    assert (
        'veneer_request_duration_seconds_bucket{worker="7",family="system",status="2xx",le="+Inf"} 4'
        in text
    )


def test_each_metric_is_declared_once_across_workers() -> None:
    one, two = Metrics(), Metrics()
    one.request("system", 200, 0.1)
    two.request("system", 500, 0.1)
    text = render(
        {1: one.samples(), 2: two.samples()}, [Sample("veneer_scheduled_jobs_queued", (), 0)]
    )
    assert text.count("# TYPE veneer_requests_total counter") == 1


def test_an_unknown_log_format_is_refused_by_name() -> None:
    with pytest.raises(ConfigError, match="VENEER_LOG_FORMAT must be 'json' or 'plain'"):
        Settings.from_env({"VENEER_LOG_FORMAT": "xml"})
