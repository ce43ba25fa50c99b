import socket
import threading
import time

import pytest
from tieout_core import (
    BearerTokenAuth,
    ConfigError,
    HttpClient,
    RetryPolicy,
    TransientError,
    ordered_map,
    page_number_pages,
)
from tieout_core.testing import Reply, scripted_server

FAST = RetryPolicy(attempts=4, backoff_factor=0.01, backoff_max=0.05, jitter=0.0)


def sequence(*replies):
    """A handler answering with each reply in turn, then repeating the last one."""
    remaining = list(replies)

    def handler(_request):
        return remaining.pop(0) if len(remaining) > 1 else remaining[0]

    return handler


def token_counter(lifetime=3600):
    issued = []

    def fetch():
        issued.append(f"token-{len(issued)}")
        return issued[-1], lifetime

    return issued, fetch


def test_given_a_valid_token_when_making_two_calls_then_the_token_is_fetched_once_and_sent():
    issued, fetch = token_counter()
    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(200, {"items": []}))
        client = HttpClient(server.base_url, auth=BearerTokenAuth(fetch), retry=FAST)
        client.get_json("/v1/things")
        client.get_json("/v1/things")
    assert issued == ["token-0"]
    assert [r.headers["Authorization"] for r in server.requests] == ["Bearer token-0"] * 2


def test_given_a_token_near_expiry_when_calling_then_it_is_refreshed_before_use():
    _, fetch = token_counter(lifetime=0.2)
    auth = BearerTokenAuth(fetch, refresh_margin=300)
    assert auth.token() == "token-0"
    time.sleep(0.15)  # past half the lifetime: the early-refresh threshold for short tokens
    assert auth.token() == "token-1"


@pytest.mark.parametrize("refusals", [1, 3], ids=["one 401", "fresh tokens refused a few times in a row"])
def test_given_401s_when_calling_then_the_token_is_refreshed_and_the_call_retried_until_accepted(refusals):
    issued, fetch = token_counter()
    accepted = f"Bearer token-{refusals}"
    with scripted_server() as server:
        server.route(
            "GET",
            "/v1/things",
            lambda r: (
                Reply(200, {"ok": True})
                if r.headers["Authorization"] == accepted
                else Reply(401, {"message": "token expired"})
            ),
        )
        client = HttpClient(server.base_url, auth=BearerTokenAuth(fetch), retry=FAST)
        assert client.get_json("/v1/things") == {"ok": True}
    assert issued == [f"token-{i}" for i in range(refusals + 1)]


def test_given_a_persistent_401_when_calling_then_a_config_error_names_the_request():
    _, fetch = token_counter()
    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(401, {"message": "invalid token"}))
        client = HttpClient(server.base_url, auth=BearerTokenAuth(fetch), retry=FAST)
        with pytest.raises(ConfigError) as caught:
            client.get_json("/v1/things", params={"page": 0})
    assert caught.value.message == "GET /v1/things was refused with HTTP 401: invalid token"
    # Every token was fetched by this very request: the first and max_token_refreshes (4) more, then it gives up.
    assert len(server.requests) == 5


def rotating_elsewhere(auth, accept_after):
    """A handler that, like another thread meeting a revoked token, swaps the token before refusing the call.

    The token the call carried is then stale (someone else already replaced it), which says nothing
    about the credentials. The swap runs on the server's thread, as another client thread would.
    """
    refused = []

    def handler(request):
        if len(refused) >= accept_after:
            return Reply(200, {"ok": True})
        sent = request.headers["Authorization"].removeprefix("Bearer ")
        auth.invalidate(stale=sent)
        auth.token()
        refused.append(sent)
        return Reply(401, {"message": "token expired"})

    return handler, refused


def test_given_tokens_replaced_by_other_threads_while_in_flight_when_refused_then_the_call_retries_and_succeeds():
    issued, fetch = token_counter()
    auth = BearerTokenAuth(fetch)
    with scripted_server() as server:
        handler, refused = rotating_elsewhere(auth, accept_after=6)  # more than max_token_refreshes
        server.route("GET", "/v1/things", handler)
        client = HttpClient(server.base_url, auth=auth, retry=FAST)
        auth.token()  # warmed by an earlier call, as in a running sync
        assert client.get_json("/v1/things") == {"ok": True}
    assert refused == [f"token-{i}" for i in range(6)]
    # Each retry used the token the other thread had just obtained; this call fetched none itself.
    assert [r.headers["Authorization"] for r in server.requests] == [f"Bearer token-{i}" for i in range(7)]
    assert len(issued) == 7


def test_given_tokens_that_keep_being_replaced_elsewhere_when_calling_then_it_gives_up_after_a_bounded_number():
    _, fetch = token_counter()
    auth = BearerTokenAuth(fetch)
    with scripted_server() as server:
        handler, _ = rotating_elsewhere(auth, accept_after=10**6)
        server.route("GET", "/v1/things", handler)
        client = HttpClient(server.base_url, auth=auth, retry=FAST, max_auth_retries=6)
        with pytest.raises(ConfigError) as caught:
            client.get_json("/v1/things")
    assert caught.value.message == "GET /v1/things was refused with HTTP 401: token expired"
    assert len(server.requests) == 7  # the first try and max_auth_retries more, never an endless loop


def test_given_a_429_with_retry_after_when_calling_then_the_client_waits_and_succeeds():
    with scripted_server() as server:
        server.route(
            "GET",
            "/v1/things",
            sequence(Reply(429, {"message": "slow down"}, {"Retry-After": "1"}), Reply(200, {"n": 1})),
        )
        client = HttpClient(server.base_url, retry=FAST)
        started = time.monotonic()
        assert client.get_json("/v1/things") == {"n": 1}
        waited = time.monotonic() - started
    assert len(server.requests) == 2
    assert waited >= 0.9  # Retry-After (1 s) beat the 0.01 s backoff


def test_given_a_429_without_retry_after_when_calling_then_it_is_retried_with_backoff_until_success():
    # urllib3 honours a Retry-After on any 429 by itself; only RETRY_STATUSES retries a bare 429.
    with scripted_server() as server:
        server.route(
            "GET",
            "/v1/things",
            sequence(Reply(429, {"message": "slow down"}), Reply(429, {"message": "slow down"}), Reply(200, {"n": 3})),
        )
        client = HttpClient(server.base_url, retry=FAST)
        assert client.get_json("/v1/things") == {"n": 3}
    assert len(server.requests) == 3


def test_given_a_burst_of_5xx_when_calling_then_it_is_retried_until_success():
    with scripted_server() as server:
        server.route("GET", "/v1/things", sequence(Reply(503), Reply(500), Reply(502), Reply(200, {"n": 2})))
        client = HttpClient(server.base_url, retry=FAST)
        assert client.get_json("/v1/things") == {"n": 2}
    assert len(server.requests) == 4


def test_given_a_server_that_keeps_failing_when_retries_run_out_then_a_transient_error_says_so():
    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(500, {"message": "boom"}))
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(TransientError) as caught:
            client.get_json("/v1/things")
    assert caught.value.message == "GET /v1/things kept failing with HTTP 500 after retries: boom"
    assert len(server.requests) == FAST.attempts + 1


def test_given_a_dropped_connection_when_calling_then_it_is_retried():
    with scripted_server() as server:
        server.route("GET", "/v1/things", sequence(Reply(drop_connection=True), Reply(200, {"n": 3})))
        client = HttpClient(server.base_url, retry=FAST)
        assert client.get_json("/v1/things") == {"n": 3}
    assert len(server.requests) == 2


def test_given_nothing_listening_when_calling_then_a_transient_error_names_the_host_and_the_fix():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = HttpClient(f"http://127.0.0.1:{port}", retry=RetryPolicy(attempts=1, backoff_factor=0.01))
    with pytest.raises(TransientError) as caught:
        client.get_json("/v1/things")
    assert caught.value.message == (
        f"Could not connect to 127.0.0.1:{port} (GET /v1/things): check the base URL and that the host is reachable"
    )


def test_given_a_body_that_is_not_json_when_calling_then_a_transient_error_says_so():
    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(200, None))  # an empty body
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(TransientError, match="GET /v1/things returned a body that is not JSON"):
            client.get_json("/v1/things")


def test_given_a_total_count_when_paging_then_pages_stop_at_the_total_without_an_extra_call():
    calls = []

    def fetch(page):
        calls.append(page)
        return list(range(10)), 20

    pages = list(page_number_pages(fetch, page_base=0, page_size=10))
    assert [p.number for p in pages] == [0, 1] and calls == [0, 1]
    assert pages[-1].next_page is None and pages[0].next_page == 1


def test_given_no_total_count_when_paging_then_a_short_page_ends_the_walk():
    sizes = {1: 10, 2: 10, 3: 4}
    pages = list(page_number_pages(lambda p: (list(range(sizes[p])), None), page_base=1, page_size=10))
    assert [p.number for p in pages] == [1, 2, 3]


def test_given_a_resume_page_when_paging_then_the_walk_starts_there():
    pages = list(page_number_pages(lambda p: ([p] * 10, 30), page_base=0, page_size=10, start_page=2))
    assert [p.number for p in pages] == [2]


def test_given_slow_and_fast_items_when_mapping_concurrently_then_order_is_kept_and_concurrency_bounded():
    in_flight, peak = 0, 0
    lock = threading.Lock()

    def work(i):
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02 if i % 3 == 0 else 0.001)
        with lock:
            in_flight -= 1
        return i * 2

    assert list(ordered_map(work, range(40), max_workers=4)) == [i * 2 for i in range(40)]
    assert peak <= 4


def test_given_concurrent_calls_when_one_token_expires_then_each_stale_holder_refreshes_without_failing():
    issued, fetch = token_counter()
    expired: set[str] = set()
    lock = threading.Lock()

    def handler(request):
        token = request.headers["Authorization"].removeprefix("Bearer ")
        with lock:
            if token in expired:
                return Reply(401, {"message": "token expired"})
            if request.query.get("expire") == "1" and token == "token-0":
                expired.add(token)  # this call expires the token every other call is holding
                return Reply(401, {"message": "token expired"})
        return Reply(200, {"ok": request.query.get("n")})

    with scripted_server() as server:
        server.route("GET", "/v1/things", handler)
        client = HttpClient(server.base_url, auth=BearerTokenAuth(fetch), retry=FAST)
        client.get_json("/v1/things")  # warm the token
        calls = [{"n": str(i), "expire": "1" if i == 3 else "0"} for i in range(16)]
        results = list(ordered_map(lambda p: client.get_json("/v1/things", params=p), calls, 8))
    assert [r["ok"] for r in results] == [str(i) for i in range(16)]
    assert len(issued) == 2  # the stale token is replaced once, not once per thread


def test_given_a_slow_source_when_prefetching_then_order_is_kept_and_the_next_item_is_fetched_ahead():
    from tieout_core import prefetch

    fetched = []

    def pages():
        for i in range(5):
            fetched.append(i)
            yield i

    consumed = []
    for item in prefetch(pages(), depth=1):
        time.sleep(0.02)  # by now the producer has fetched the next page
        consumed.append((item, max(fetched)))
    assert [c[0] for c in consumed] == [0, 1, 2, 3, 4]
    assert all(ahead >= min(item + 1, 4) for item, ahead in consumed)


def test_given_a_failing_source_when_prefetching_then_the_error_reaches_the_consumer_in_order():
    from tieout_core import prefetch

    def pages():
        yield 1
        raise TransientError("page 2 failed")

    got = []
    with pytest.raises(TransientError, match="page 2 failed"):
        for item in prefetch(pages()):
            got.append(item)
    assert got == [1]


def test_given_a_consumer_that_stops_early_when_prefetching_then_the_producer_stops():
    from tieout_core import prefetch

    produced = []

    def pages():
        for i in range(1000):
            produced.append(i)
            yield i

    iterator = prefetch(pages(), depth=1)
    assert next(iterator) == 0
    iterator.close()
    time.sleep(0.3)
    assert len(produced) <= 3


# --- redirects: credentials never follow one to another host, and a POST never follows one -------------------


def test_given_a_token_post_answered_307_to_another_host_when_called_then_config_error_and_nothing_reaches_it():
    with scripted_server() as server, scripted_server() as other:
        other.route("POST", "/v1/auth/token", lambda r: Reply(200, {"access_token": "stolen"}))
        server.route(
            "POST", "/v1/auth/token", lambda r: Reply(307, headers={"Location": f"{other.base_url}/v1/auth/token"})
        )
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(ConfigError) as info:
            client.post_json("/v1/auth/token", json={"clientSecret": "s3cr3t"}, authenticated=False)
    message = str(info.value)
    assert f"POST /v1/auth/token was answered with HTTP 307, a redirect to http://127.0.0.1:{other.port}" in message
    assert "Set base_url to the final address" in message
    assert other.requests == [], "the client secret followed the redirect"


def test_given_a_read_redirected_on_the_same_host_when_called_then_followed_with_the_bearer_token():
    _, fetch = token_counter()
    with scripted_server() as server:
        server.route("GET", "/v1/jobs", lambda r: Reply(302, headers={"Location": "/v2/jobs?page=1"}))
        server.route("GET", "/v2/jobs", lambda r: Reply(200, {"items": [{"id": "j1"}]}))
        client = HttpClient(server.base_url, auth=BearerTokenAuth(fetch), retry=FAST)
        body = client.get_json("/v1/jobs", params={"page": 1})
    assert body == {"items": [{"id": "j1"}]}
    final = server.calls("GET", "/v2/jobs")[0]
    assert final.headers["Authorization"] == "Bearer token-0" and final.query == {"page": "1"}


@pytest.mark.parametrize("elsewhere", ["another port", "another host name"])
def test_given_a_read_redirected_to_another_host_when_called_then_refused_and_no_authorization_sent_there(elsewhere):
    _, fetch = token_counter()
    with scripted_server() as server, scripted_server() as other:
        target = other.base_url if elsewhere == "another port" else f"http://localhost:{server.port}"
        server.route("GET", "/v1/jobs", lambda r: Reply(302, headers={"Location": f"{target}/v1/jobs"}))
        other.route("GET", "/v1/jobs", lambda r: Reply(200, {"items": []}))
        client = HttpClient(server.base_url, auth=BearerTokenAuth(fetch), retry=FAST, url_setting="base_url")
        with pytest.raises(ConfigError) as info:
            client.get_json("/v1/jobs")
    assert "GET /v1/jobs was answered with HTTP 302, a redirect to http://" in str(info.value)
    assert "the Authorization header is never sent to another host" in str(info.value)
    assert other.requests == [] and len(server.requests) == 1


# --- make mutate core-retry: the retry table and how each final status is reported -------------------------------


def test_given_the_default_policy_when_built_then_five_attempts_one_to_sixty_seconds_with_jitter_and_retry_after():
    retry = RetryPolicy().to_urllib3()
    assert (retry.total, retry.connect, retry.read, retry.status, retry.other) == (5, 5, 5, 5, 0)
    assert (retry.backoff_factor, retry.backoff_max, retry.backoff_jitter) == (1.0, 60.0, 1.0)
    assert set(retry.status_forcelist) == {429, 500, 502, 503, 504}
    assert retry.allowed_methods is None and retry.respect_retry_after_header and not retry.raise_on_status


def test_given_a_post_answered_504_then_200_when_calling_then_it_is_retried():
    with scripted_server() as server:
        server.route("POST", "/oauth/token", sequence(Reply(504), Reply(200, {"ok": True})))
        client = HttpClient(server.base_url, retry=FAST)
        assert client.post_json("/oauth/token", json={"grant_type": "client_credentials"}) == {"ok": True}
    assert len(server.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 422])
def test_given_a_request_the_server_refuses_when_calling_then_a_config_error_and_no_retry(status):
    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(status, {"message": "no such tenant"}))
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(ConfigError) as caught:
            client.get_json("/v1/things", authenticated=False)
    assert caught.value.message == f"GET /v1/things was refused with HTTP {status}: no such tenant"
    assert len(server.requests) == 1


@pytest.mark.parametrize("status", [409, 501])
def test_given_a_status_neither_refused_nor_retried_when_calling_then_a_plain_connector_error_once(status):
    from tieout_core import ConnectorError

    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(status, {"error": "conflict"}))
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(ConnectorError) as caught:
            client.get_json("/v1/things")
    assert type(caught.value) is ConnectorError
    assert caught.value.message == f"GET /v1/things failed with HTTP {status}: conflict"
    assert len(server.requests) == 1


def test_given_429s_until_retries_run_out_when_calling_then_a_transient_error_names_the_429():
    with scripted_server() as server:
        server.route("GET", "/v1/things", lambda r: Reply(429, {"message": "slow down"}))
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(TransientError) as caught:
            client.get_json("/v1/things")
    assert caught.value.message == "GET /v1/things kept failing with HTTP 429 after retries: slow down"
    assert len(server.requests) == FAST.attempts + 1


def test_given_a_post_the_server_refuses_when_calling_then_the_error_names_the_post():
    with scripted_server() as server:
        server.route("POST", "/oauth/token", lambda r: Reply(400, {"error": "invalid_grant"}))
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(ConfigError) as caught:
            client.post_json("/oauth/token", json={"grant_type": "client_credentials"}, authenticated=False)
    assert caught.value.message == "POST /oauth/token was refused with HTTP 400: invalid_grant"
