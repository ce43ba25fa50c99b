"""HttpClient as an SDK: form bodies, response headers, Link / offset / cursor paging, OAuth2 client credentials,
and the server's `error_description` in the messages a user reads."""

import base64
from urllib.parse import parse_qs

import pytest
from tieout_core import (
    ConfigError,
    HttpClient,
    OAuth2ClientCredentials,
    RetryPolicy,
    TransientError,
    cursor_pages,
    link_header_pages,
    offset_pages,
    page_number_pages,
)
from tieout_core.testing import Reply, scripted_server

FAST = RetryPolicy(attempts=1, backoff_factor=0.0)


def form(request) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(request.body).items()}


def test_given_a_form_body_when_posting_then_it_is_sent_url_encoded_and_headers_come_back():
    with scripted_server() as server:
        server.route("POST", "/login", lambda r: Reply(201, {"ok": True}, headers={"X-Request-Id": "r-42"}))
        response = HttpClient(server.base_url, retry=FAST).request("POST", "/login", data={"user": "a b", "n": 1})
        sent = server.calls("POST", "/login")[0]
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(sent) == {"user": "a b", "n": "1"}
    assert (response.status, response.body, response.headers["x-request-id"]) == (201, {"ok": True}, "r-42")


def test_given_both_a_json_and_a_form_body_when_requesting_then_a_type_error_says_to_pick_one():
    with pytest.raises(TypeError, match="either a JSON body"):
        HttpClient("http://127.0.0.1:9", retry=FAST).request("POST", "/x", json={}, data={})


def test_given_an_oauth2_error_body_when_refused_then_the_message_carries_error_description():
    with scripted_server() as server:
        body = {"error": "invalid_scope", "error_description": "scope 'admin' is not granted to this client"}
        server.route("GET", "/things", lambda r: Reply(400, body))
        with pytest.raises(ConfigError) as raised:
            HttpClient(server.base_url, retry=FAST).get_json("/things")
    assert str(raised.value) == (
        "GET /things was refused with HTTP 400: invalid_scope: scope 'admin' is not granted to this client"
    )


def test_given_link_headers_when_paging_then_every_page_is_read_once_and_next_is_the_resume_point():
    with scripted_server() as server:

        def items(request):
            page = int(request.query.get("page", "1"))
            link = f'<{server.base_url}/items?page={page + 1}&per_page=2>; rel="next"' if page < 3 else ""
            return Reply(
                200, [{"id": page * 10 + i} for i in range(2 if page < 3 else 1)], {"Link": link, "X-Total-Count": "5"}
            )

        server.route("GET", "/items", items)
        client = HttpClient(server.base_url, retry=FAST)
        pages = list(link_header_pages(client, "/items", params={"per_page": 2}, total_header="X-Total-Count"))
        resumed = list(link_header_pages(client, "/items", start_url=pages[1].next_page))
    assert [p.items for p in pages] == [[{"id": 10}, {"id": 11}], [{"id": 20}, {"id": 21}], [{"id": 30}]]
    assert [p.total_count for p in pages] == [5, 5, 5]
    assert pages[-1].next_page is None
    assert [p.items for p in resumed] == [[{"id": 30}]]


def test_given_a_next_link_to_another_host_when_paging_then_it_is_refused_naming_the_host_and_setting():
    with scripted_server() as server:
        server.route(
            "GET", "/items", lambda r: Reply(200, [1], {"Link": '<https://elsewhere.invalid/items?page=2>; rel="next"'})
        )
        client = HttpClient(server.base_url, retry=FAST)
        with pytest.raises(ConfigError, match=r"links its next page to https://elsewhere.invalid:443.*base_url"):
            list(link_header_pages(client, "/items"))
        assert len(server.requests) == 1


def test_given_a_total_count_when_paging_by_offset_then_a_full_last_page_ends_the_walk():
    calls = []

    def fetch(offset):
        calls.append(offset)
        return list(range(offset, min(offset + 10, 30))), 30

    pages = list(offset_pages(fetch, page_size=10))
    assert calls == [0, 10, 20]
    assert [p.next_page for p in pages] == [10, 20, None]


def test_given_cursors_when_paging_then_the_walk_ends_on_an_empty_cursor_and_a_repeated_one_is_an_error():
    replies = {None: ([1, 2], "c2"), "c2": ([3], "")}
    pages = list(cursor_pages(lambda cursor: replies[cursor]))
    assert [p.items for p in pages] == [[1, 2], [3]]
    assert [p.next_page for p in pages] == ["c2", None]
    with pytest.raises(TransientError, match="same next-page cursor twice"):
        list(cursor_pages(lambda cursor: ([1], "stuck")))


def oauth_server(server, *, refuse=False):
    def token(request):
        if refuse:
            return Reply(401, {"error": "invalid_client", "error_description": "Client authentication failed"})
        return Reply(200, {"access_token": f"tok-{len(server.calls('POST', '/oauth/token'))}", "expires_in": 3600})

    server.route("POST", "/oauth/token", token)
    server.route("GET", "/me", lambda r: Reply(200, {"auth": r.headers.get("Authorization")}))


def test_given_client_credentials_in_basic_auth_when_calling_then_a_token_is_fetched_once_and_sent():
    with scripted_server() as server:
        oauth_server(server)
        auth = OAuth2ClientCredentials(f"{server.base_url}/oauth/token", "my id", "s3cr:t", scope="read", retry=FAST)
        client = HttpClient(server.base_url, auth=auth, retry=FAST)
        first, second = client.get_json("/me"), client.get_json("/me")
        token_call = server.calls("POST", "/oauth/token")[0]
    assert first == second == {"auth": "Bearer tok-1"}
    assert form(token_call) == {"grant_type": "client_credentials", "scope": "read"}
    assert base64.b64decode(token_call.headers["Authorization"].removeprefix("Basic ")) == b"my+id:s3cr%3At"


def test_given_client_credentials_in_the_body_when_fetching_a_token_then_they_go_in_the_form_only():
    with scripted_server() as server:
        oauth_server(server)
        auth = OAuth2ClientCredentials(
            f"{server.base_url}/oauth/token", "id-1", "sec-1", client_auth="body", retry=FAST
        )
        HttpClient(server.base_url, auth=auth, retry=FAST).get_json("/me")
        token_call = server.calls("POST", "/oauth/token")[0]
    assert "Authorization" not in token_call.headers
    assert form(token_call) == {"grant_type": "client_credentials", "client_id": "id-1", "client_secret": "sec-1"}


def test_given_refused_client_credentials_when_calling_then_a_config_error_names_the_settings_and_reason():
    with scripted_server() as server:
        oauth_server(server, refuse=True)
        auth = OAuth2ClientCredentials(f"{server.base_url}/oauth/token", "id-1", "wrong-secret", retry=FAST)
        with pytest.raises(ConfigError) as raised:
            HttpClient(server.base_url, auth=auth, retry=FAST).get_json("/me")
    assert str(raised.value) == (
        "The token endpoint refused the client credentials with HTTP 401 (invalid_client: Client authentication"
        " failed): check client_id and client_secret"
    )
    assert "wrong-secret" not in str(raised.value)


def test_given_a_total_count_and_concurrency_when_paging_then_every_page_comes_once_in_order():
    import threading

    in_flight, most = [0], [0]
    lock = threading.Lock()

    def fetch(page):
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        import time

        time.sleep(0.02)
        with lock:
            in_flight[0] -= 1
        return list(range(page * 10, min(page * 10 + 10, 95))), 95

    pages = list(page_number_pages(fetch, page_base=0, page_size=10, concurrency=4))
    assert [p.number for p in pages] == list(range(10))
    assert [p.next_page for p in pages] == [*range(1, 10), None]
    assert sum(len(p.items) for p in pages) == 95
    assert 1 < most[0] <= 4
