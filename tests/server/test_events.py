"""Progress for clients without a library: server-sent events (text/event-stream) and polling after an id."""

from __future__ import annotations

import json
import urllib.request

from server_helpers import init_example_shot


def read_stream(url: str, token: str, after: int = 0) -> tuple[str, list[dict]]:
    request = urllib.request.Request(f"{url}?after={after}", headers={"Authorization": f"Bearer {token}"})
    events, current = [], {}
    with urllib.request.urlopen(request, timeout=120) as answer:
        kind = answer.headers["Content-Type"]
        for raw in answer:  # the stream ends once the job has finished
            line = raw.decode().rstrip("\n")
            if not line:
                if current:
                    events.append(current)
                current = {}
            elif ":" in line:
                key, _, value = line.partition(":")
                current[key] = value.strip()
    return kind, events


def test_the_stream_and_the_poll_give_the_same_events_in_order(example, engine_factory):
    roots, plate, source = example
    shot = init_example_shot(roots / "sh_events", plate, source)
    engine = engine_factory(roots)
    client = engine.client
    job = client.submit(str(shot), stages=["curate"])  # no faces extracted: curate fails at once, saying why

    kind, streamed = read_stream(
        f"{engine.url}/api/jobs/{job['id']}/stream", (engine.data / "token").read_text().strip()
    )
    assert kind.startswith("text/event-stream")
    ids = [int(e["id"]) for e in streamed]
    assert ids == sorted(ids) and len(ids) >= 3
    payloads = [json.loads(e["data"]) for e in streamed]
    assert [p["kind"] for p in payloads] == [e["event"] for e in streamed]
    assert payloads[-1]["kind"] == "job" and payloads[-1]["data"]["status"] == "failed"
    final = client.job(job["id"])
    assert final["status"] == "failed"
    assert final["error"] == final["stages"][0]["error"] and "faceset" in final["error"], final["error"]

    polled = client.events(job["id"])["events"]
    assert [e["id"] for e in polled] == ids
    later = client.events(job["id"], after=ids[1])["events"]
    assert [e["id"] for e in later] == ids[2:]
