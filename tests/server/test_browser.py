"""What a hostile web page can make a browser send: another Host name (DNS rebinding), a request from another
Origin carrying the dashboard's cookie, a CORS preflight. A real engine on loopback, raw HTTP requests."""

from __future__ import annotations

import http.client
import json
from http.cookies import SimpleCookie

import pytest
from server_helpers import init_example_shot, start_engine

from faceplate.server.config import ServerConfig
from faceplate.server.session import MAX_SESSIONS, Sessions
from faceplate.workspace.lock import WorkspaceLock


def request(engine, method: str, path: str, headers: dict, body: bytes | None = None):
    """(status, headers, JSON body) for one request with exactly these headers (Host included)."""
    connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        headers = {"Host": f"127.0.0.1:{engine.port}"} | headers | {"Content-Length": str(len(body or b""))}
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        data = answer.read()
        return (
            answer.status,
            answer.headers,
            json.loads(data) if data and "json" in answer.headers.get("content-type", "") else data,
        )
    finally:
        connection.close()


def sign_in(engine, token: str, host: str = "127.0.0.1") -> str:
    """The session cookie's value, as the dashboard gets it (same-origin POST /api/session)."""
    origin = {
        "Host": f"{host}:{engine.port}",
        "Origin": f"http://{host}:{engine.port}",
        "Content-Type": "application/json",
    }
    status, headers, _ = request(engine, "POST", "/api/session", origin, json.dumps({"token": token}).encode())
    assert status == 204
    return SimpleCookie(headers["set-cookie"])["faceplate_session"].value


def cancelled(engine, job) -> bool:
    current = engine.client.job(job["id"])
    return current["status"] == "cancelled" or bool(current["cancel_requested"])


@pytest.fixture(scope="module")
def held_shot(example, tmp_path_factory):
    """(engine, token, shot): one engine for the module and a shot another program holds (a `faceplate train`)."""
    roots, plate, source = example
    shot = init_example_shot(roots / "sh_browser", plate, source)
    lock = WorkspaceLock(shot)
    lock.acquire("train")
    engine = start_engine(roots, tmp_path_factory.mktemp("browser") / "data")
    yield engine, (engine.data / "token").read_text().strip(), shot
    engine.stop()
    lock.release()


@pytest.fixture
def busy_job(held_shot):
    """(engine, token, job): a job waiting on the held shot, so it stays cancellable."""
    engine, token, shot = held_shot
    return engine, token, engine.client.submit(str(shot), stages=["curate"])


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:80", "127.0.0.1.evil.example", "localhost.evil.example", "10.0.0.5", ""]
)
def test_a_host_name_the_engine_does_not_answer_to_is_refused(busy_job, host):
    engine, token, job = busy_job
    for path, headers in [("/", {}), ("/api/health", {}), ("/api/jobs", {"Authorization": f"Bearer {token}"})]:
        status, _, answer = request(engine, "GET", path, {"Host": host} | headers)
        assert (status, answer["error"]["code"]) == (403, "host_not_allowed"), (path, answer)
    status, _, answer = request(
        engine, "POST", f"/api/jobs/{job['id']}/cancel", {"Host": host, "Authorization": f"Bearer {token}"}
    )
    assert status == 403 and not cancelled(engine, job)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "LocalHost", "[::1]"])
def test_the_loopback_names_are_answered_with_any_port(held_shot, host):
    engine = held_shot[0]
    for port in (f":{engine.port}", ":80", ""):
        status, _, answer = request(engine, "GET", "/api/health", {"Host": host + port})
        assert (status, answer["status"]) == (200, "ok")
    status, _, page = request(engine, "GET", "/", {"Host": f"{host}:{engine.port}"})
    assert status == 200 and b"Faceplate engine" in page


def test_the_session_cookie_is_not_the_token_and_expires(busy_job):
    engine, token, _ = busy_job
    status, headers, _ = request(
        engine, "POST", "/api/session", {"Content-Type": "application/json"}, json.dumps({"token": token}).encode()
    )
    assert status == 204
    cookie = SimpleCookie(headers["set-cookie"])["faceplate_session"]
    assert cookie.value and token not in headers["set-cookie"]
    assert cookie["httponly"] and cookie["samesite"] == "strict" and int(cookie["max-age"]) == 12 * 3600
    assert sign_in(engine, token) != cookie.value, "every sign-in gets its own random session"
    status, _, answer = request(engine, "GET", "/api/jobs", {"Cookie": f"faceplate_session={cookie.value}"})
    assert status == 200 and answer["jobs"]
    for wrong in (token, "made-up", cookie.value[:-2]):
        status, _, answer = request(engine, "GET", "/api/jobs", {"Cookie": f"faceplate_session={wrong}"})
        assert (status, answer["error"]["code"]) == (401, "unauthorized"), wrong
    status, _, answer = request(
        engine,
        "POST",
        "/api/session",
        {"Content-Type": "application/json"},
        json.dumps({"token": "not-the-token"}).encode(),
    )
    assert (status, answer["error"]["code"]) == (401, "unauthorized")


def test_a_cancel_from_another_page_is_refused_and_the_dashboards_own_works(busy_job):
    engine, token, job = busy_job
    session = sign_in(engine, token)
    cancel = f"/api/jobs/{job['id']}/cancel"
    cookie = {"Cookie": f"faceplate_session={session}", "Content-Type": "text/plain"}
    for origin in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": f"http://localhost:{engine.port}"},  # another site, though on this machine
        {},
    ):  # no Origin at all: not the dashboard, whose browser always says where it is
        status, _, answer = request(engine, "POST", cancel, cookie | origin, b"{}")
        assert (status, answer["error"]["code"]) == (403, "origin_refused"), (origin, answer)
        assert "Traceback" not in json.dumps(answer)
    assert not cancelled(engine, job), "nothing was cancelled"

    own = {"Origin": f"http://127.0.0.1:{engine.port}"}
    status, _, answer = request(engine, "POST", cancel, cookie | own)
    assert status == 200 and answer["cancel_requested"]
    assert engine.client.watch(job["id"], lambda e: None, poll_s=0.1, timeout_s=30)["status"] == "cancelled"


def test_a_plugin_with_the_token_needs_no_origin_and_a_foreign_page_gets_no_cors(busy_job):
    engine, token, job = busy_job
    preflight = {
        "Origin": "http://evil.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization",
    }
    status, headers, _ = request(engine, "OPTIONS", f"/api/jobs/{job['id']}/cancel", preflight)
    assert status == 403 and not [h for h in headers if h.lower().startswith("access-control-")]
    status, headers, _ = request(engine, "GET", "/api/health", {"Origin": f"http://127.0.0.1:{engine.port}"})
    assert status == 200 and not [h for h in headers if h.lower().startswith("access-control-")]
    status, _, answer = request(engine, "POST", f"/api/jobs/{job['id']}/cancel", {"Authorization": f"Bearer {token}"})
    assert status == 200 and answer["cancel_requested"]


def test_sessions_end_after_their_lifetime_and_stay_bounded():
    now = [1000.0]
    sessions = Sessions(lifetime_s=60, clock=lambda: now[0])
    first = sessions.open_session()
    assert sessions.is_valid(first) and not sessions.is_valid("x") and not sessions.is_valid(None)
    now[0] += 59
    assert sessions.is_valid(first)
    now[0] += 2
    assert not sessions.is_valid(first), "expired"
    sessions = Sessions(lifetime_s=3600, clock=lambda: now[0])
    opened = []
    for _ in range(MAX_SESSIONS + 5):
        now[0] += 1
        opened.append(sessions.open_session())
    assert not sessions.is_valid(opened[0]) and all(sessions.is_valid(s) for s in opened[5:])


def test_an_engine_listening_beyond_loopback_also_answers_to_its_address():
    loopback, named, everywhere = ServerConfig(), ServerConfig(host="render-01.studio"), ServerConfig(host="0.0.0.0")
    assert loopback.answers_to("localhost") and not loopback.answers_to("10.0.0.5")
    assert not loopback.answers_to("render-01.studio")
    assert named.answers_to("render-01.studio") and named.answers_to("10.0.0.5") and named.answers_to("::1")
    assert everywhere.answers_to("192.168.1.20") and not everywhere.answers_to("evil.example")
    assert not everywhere.answers_to("0.0.0.0.evil.example")
