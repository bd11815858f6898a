"""Every store keeps the same records the same way: memory, SQLite (a file) and Redis (a
real redis-server). The shared ones also hand records between two openers of one URL,
as two workers would."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from mock_server.domain.model import Account, Effect, Hold, MediaFile, Render, Session, Token, Turn
from mock_server.domain.store import Store
from mock_server.domain.stores import open_store


def account(user_id: str = "anon_1", available: int = 100) -> Account:
    return Account(user_id, "anonymous", "anonymous", ["read"], available, client_id="c1")


def session(session_id: str = "123", user_id: str = "anon_1") -> Session:
    return Session(session_id, "task_1", "project", "en", user_id, created_at=1.0)


def test_records_round_trip(store: Store) -> None:
    store.put_account(account())
    store.put_token(Token("nmv_usr_x", "anon_1", 1.0, None))
    store.put_hold(Hold("ref", "anon_1", 100))
    media = MediaFile(
        "med_1",
        "anon_1",
        "123",
        "a.mp4",
        Path("/tmp/a.mp4"),
        "video",
        2.0,
        320,
        180,
        30.0,
        "h",
        10,
        "upload",
        1.0,
        recipe={"kind": "clip", "seconds": 2},
    )
    store.put_media(media)
    render = Render("r1", "anon_1", "123", {"t": []}, {"format": "mp4"}, 1.0, 30.0, False)
    render.public_key = "k" * 32
    render.artifact = Path("/tmp/r1.mp4")
    store.put_render(render)
    s = session()
    s.draft = {"t": [{"tt": 0, "sg": [{"s": 0, "d": 1000}]}], "m": {"title": "雪狐"}}
    store.put_session(s)

    got = store.account("anon_1")
    assert got is not None and got.available == 100 and got.scopes == ["read"]
    tok = store.token("nmv_usr_x")
    assert tok is not None and tok.user_id == "anon_1" and tok.expires_at is None
    hold = store.hold("ref")
    assert hold is not None and hold.amount == 100 and hold.state == "frozen"
    med = store.media("med_1")
    assert med is not None and med.path == Path("/tmp/a.mp4") and med.recipe == media.recipe
    ren = store.render("anon_1", "r1")
    assert ren is not None and ren.artifact == Path("/tmp/r1.mp4")
    assert store.render("anon_2", "r1") is None  # render ids are per user
    published = store.published_render("k" * 32)
    assert published is not None and published.render_id == "r1"
    assert store.published_render("x" * 32) is None
    ses = store.session("123")
    assert ses is not None and ses.draft["m"]["title"] == "雪狐"
    assert [x.session_id for x in store.sessions_of("anon_1")] == ["123"]
    assert store.sessions_of("anon_2") == []
    assert store.account("nobody") is None and store.render("anon_1", "nope") is None


def test_counters_and_hits(store: Store) -> None:
    assert [store.next_count("s") for _ in range(3)] == [1, 2, 3]
    assert store.next_count("other") == 1
    store.hit("client:a", 1.5)
    store.hit("client:a", 2.5)
    assert store.hits("client:a") == [1.5, 2.5]
    assert store.hits("client:b") == []


def test_sessions_listed_in_creation_order(store: Store) -> None:
    for sid in ("3", "1", "2"):
        store.put_session(session(sid))
    store.put_session(session("1"))  # a re-put keeps its place
    assert [s.session_id for s in store.sessions_of("anon_1")] == ["3", "1", "2"]


def test_sessions_are_listed_by_their_user(store: Store) -> None:
    for sid, user in (("1", "anon_1"), ("2", "anon_2"), ("3", "anon_1")):
        store.put_session(session(sid, user))
    assert [s.session_id for s in store.sessions_of("anon_1")] == ["1", "3"]
    assert [s.session_id for s in store.sessions_of("anon_2")] == ["2"]
    store.put_session(session("3", "anon_2"))  # a record put again under another user
    assert [s.session_id for s in store.sessions_of("anon_1")] == ["1"]
    assert sorted(s.session_id for s in store.sessions_of("anon_2")) == ["2", "3"]


def test_clear_empties_every_record(store: Store) -> None:
    store.put_account(account())
    store.put_session(session())
    store.hit("k", 1.0)
    store.clear()
    assert store.account("anon_1") is None and store.session("123") is None
    assert store.sessions_of("anon_1") == [] and store.hits("k") == []


def test_lock_is_reentrant(store: Store) -> None:
    with store.lock, store.lock:
        store.put_account(account())
    assert store.account("anon_1") is not None


@pytest.mark.parametrize("store_url", ["sqlite", "redis"], indirect=True)
def test_two_openers_share_records(store_url: str) -> None:
    """Two workers on one URL: a change by one is read by the other, and the object a
    worker handed out is refreshed in place (closures holding it see current state)."""
    a, b = open_store(store_url), open_store(store_url)
    try:
        a.clear()
        a.put_account(account(available=100))
        mine = b.account("anon_1")
        assert mine is not None and mine.available == 100
        theirs = a.account("anon_1")
        assert theirs is not None
        theirs.available = 40
        a.put_account(theirs)
        again = b.account("anon_1")
        assert again is mine and mine.available == 40
        assert b.next_count("ids") == 1 and a.next_count("ids") == 2
    finally:
        a.clear()
        a.close()
        b.close()


@pytest.mark.parametrize("store_url", ["sqlite", "redis"], indirect=True)
def test_turns_planned_here_keep_their_effects(store_url: str) -> None:
    """A turn's effects are closures of the process that planned it: a refresh from the
    store (another worker wrote the session) keeps them, and done flags merge."""
    a, b = open_store(store_url), open_store(store_url)
    try:
        a.clear()
        landed: list[str] = []
        s = session()
        turn = Turn("e-1", "hi", 0.0, 10.0, number=1)
        turn.effects = [Effect(5.0, lambda: landed.append("draft")), Effect(9.0, lambda: None)]
        s.turns.append(turn)
        a.put_session(s)

        other = b.session("123")
        assert other is not None and other.turns[0].effects[0].at == 5.0
        other.turns[0].effects[1].done = True  # b saw the second effect land (as data)
        other.task_name = "renamed"
        b.put_session(other)

        live = a.session("123")
        assert live is s and s.task_name == "renamed"
        assert s.turns[0] is turn and [e.done for e in turn.effects] == [False, True]
        turn.effects[0].apply()
        assert landed == ["draft"]
    finally:
        a.clear()
        a.close()
        b.close()


@pytest.mark.parametrize("store_url", ["sqlite", "redis"], indirect=True)
def test_lock_excludes_other_openers(store_url: str) -> None:
    """Read-modify-write under the lock from two openers in threads loses no update."""
    stores = [open_store(store_url), open_store(store_url)]
    try:
        stores[0].clear()
        stores[0].put_account(account(available=0))

        def bump(s: Store) -> None:
            for _ in range(50):
                with s.lock:
                    acc = s.account("anon_1")
                    assert acc is not None
                    acc.available += 1
                    s.put_account(acc)

        threads = [threading.Thread(target=bump, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        final = open_store(store_url)
        got = final.account("anon_1")
        final.close()
        assert got is not None and got.available == 100
    finally:
        stores[0].clear()
        for s in stores:
            s.close()


def test_sqlite_survives_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fake.db"
    first = open_store(url)
    first.put_token(Token("nmv_usr_keep", "anon_1", 1.0, 99.0))
    assert first.next_count("token") == 1
    first.close()
    second = open_store(url)
    tok = second.token("nmv_usr_keep")
    assert tok is not None and tok.expires_at == 99.0
    assert second.next_count("token") == 2  # a restart never re-issues an id
    second.close()


@pytest.mark.parametrize(
    "url", ["sqlite://", "sqlite:///", "postgres://x", "memcached://127.0.0.1"]
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError, match="store"):
        open_store(url)
