"""The answer cache of `emg-kg serve` (web/answers.py): what is kept, for how long, and that a
kept answer never reaches the query pool."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
import urllib.request

from emg_kg.web.answers import Answers, job_key
from emg_kg.web.jobs import Job, Reply
from emg_kg.web.server import Running


def _reply(status: int = 200, size: int = 10) -> Reply:
    return Reply(status, "text/csv", b"x" * size)


def test_kept_answers_are_returned_without_running() -> None:
    answers, runs = Answers(1000), []

    def run() -> Reply:
        runs.append(1)
        return _reply()

    job = Job(text="SELECT * {}")
    first, second = answers.get_or_run(job, run), answers.get_or_run(job, run)
    assert len(runs) == 1 and first.body == second.body
    assert answers.status()["hits"] == 1 and answers.status()["misses"] == 1


def test_only_answers_that_depend_on_the_text_are_kept() -> None:
    answers = Answers(1000)
    for status, kept in ((200, True), (403, True), (422, True), (503, False), (500, False)):
        job = Job(text=f"ASK {{}} # {status}")
        answers.get_or_run(job, lambda s=status: _reply(s))  # type: ignore[misc]
        assert (job_key(job) in answers.cache) is kept, status


#: for every field of a Job, a value other than its default
OTHER: dict[str, object] = {
    "text": "SELECT * {} ",
    "name": "search",
    "params": {"text": "UNDP"},
    "accept": [("application/json", 1.0)],
    "fmt": "tsv",
    "table": True,
    "default_graph": ["urn:g"],
    "named_graphs": ["urn:g"],
    "report": "gc27",
    "first": 7,
    "shown": 5,
    "max_rows": 5,
    "max_bytes": 5,
}


def test_two_jobs_that_differ_in_any_field_have_different_keys() -> None:
    assert set(OTHER) == {f.name for f in dataclasses.fields(Job)}  # a new field: add it here
    base = Job(text="SELECT * {}", accept=[("text/csv", 1.0)])
    keys = {job_key(base)}
    for name, value in OTHER.items():
        keys.add(job_key(dataclasses.replace(base, **{name: value})))
        assert len(keys) == 1 + list(OTHER).index(name) + 1, name
    changed = dataclasses.replace(base, params={"text": "UNEP"})
    assert job_key(changed) != job_key(dataclasses.replace(base, **{"params": OTHER["params"]}))
    assert job_key(dataclasses.replace(base)) == job_key(base)


def test_the_cache_is_bounded_by_bytes_and_zero_turns_it_off() -> None:
    answers = Answers(400)  # an entry: 30 bytes of body, 2 of text, 64 for the rest
    for i in range(10):
        answers.get_or_run(Job(text=f"q{i}"), lambda: _reply(size=30))
    assert answers.cache.size <= 400 and len(answers.cache) == 4  # the last four
    assert job_key(Job(text="q9")) in answers.cache and job_key(Job(text="q0")) not in answers.cache
    off, runs = Answers(0), []
    for _ in range(2):
        off.get_or_run(Job(text="q"), lambda: runs.append(1) or _reply())  # type: ignore[func-returns-value]
    assert len(runs) == 2 and len(off.cache) == 0


def test_a_repeated_query_is_answered_from_the_cache(server: Running) -> None:
    """On the real server: the second identical request does not reach the pool."""

    def status() -> dict[str, object]:
        with urllib.request.urlopen(server.url + "status") as reply:
            return dict(json.loads(reply.read()))

    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s a emg:Mandate } # test_answers"
    url = server.url + "sparql?" + urllib.parse.urlencode({"query": text})
    bodies = []
    before = status()
    for _ in range(3):
        with urllib.request.urlopen(url) as reply:
            bodies.append(reply.read())
    after = status()
    assert len(set(bodies)) == 1 and b'"n"' in bodies[0]
    assert int(after["queries"]) - int(before["queries"]) == 1  # type: ignore[call-overload]
    hits = after["answers"]["hits"] - before["answers"]["hits"]  # type: ignore[index]
    assert hits == 2
