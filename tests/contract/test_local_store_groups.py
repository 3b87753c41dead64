"""The local store's groups (storage.local): inside `durable_in_groups` a write goes to a temp file, and the group's
end syncs them all at once and only then names them. What the group's own thread must still see, what the disk holds
before and after the end, and what an error leaves behind."""

from __future__ import annotations

import pytest

from storage.errors import StorageError
from storage.local import LocalObjectStore
from storage.ports import durable_in_groups, make_durable


@pytest.fixture
def store(tmp_path):
    adapter = LocalObjectStore(tmp_path / "objects")
    yield adapter
    adapter.close()


def _names_on_disk(store) -> list[str]:
    return sorted(path.relative_to(store.root).as_posix() for path in store.root.rglob("*") if path.is_file())


def test_the_groups_thread_sees_its_writes_at_once(store):
    with durable_in_groups(store):
        for number in range(200):
            store.put(f"records/{number % 7}/{number}.json", b'{"n": %d}' % number)
            assert store.exists(f"records/{number % 7}/{number}.json")
        store.put("records/0/0.json", b"replaced")  # the later write of a key wins
        assert store.get("records/0/0.json") == b"replaced"
        store.delete("records/1/1.json")
        assert not store.exists("records/1/1.json")
        listed = sorted(store.list("records/"))
    assert len(listed) == 199 and "records/1/1.json" not in listed
    assert store.get("records/0/0.json") == b"replaced"
    assert not [name for name in _names_on_disk(store) if ".tmp-" in name]


def test_names_are_given_only_by_the_groups_end_after_the_bytes_are_written(store):
    with durable_in_groups(store):
        store.put("index-pending/ab/one", b"")
        store.put("originals/ab/one", b"%PDF one")
        assert [name for name in _names_on_disk(store) if ".tmp-" not in name] == []  # nothing named yet
        make_durable(store)
        assert _names_on_disk(store) == ["index-pending/ab/one", "originals/ab/one"]
        assert (store.root / "originals/ab/one").read_bytes() == b"%PDF one"
        store.put("records/ab/one.json", b"{}")
    assert _names_on_disk(store) == ["index-pending/ab/one", "originals/ab/one", "records/ab/one.json"]


def test_a_group_left_by_an_error_names_none_of_its_writes_not_yet_named(store):
    with pytest.raises(StorageError):
        with durable_in_groups(store):
            store.put("kept", b"named by the first end of group")
            make_durable(store)
            store.put("blocker", b"a file where a directory would have to be")
            store.put("blocker/inside", b"cannot be written")  # a file and a directory of one name: the end fails
    assert _names_on_disk(store) == ["kept"]  # no temp file left either


def test_temp_files_of_a_process_no_longer_running_are_swept(store, tmp_path):
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    gone = int(finished.stdout)
    store.put("records/ab/kept.json", b"{}")
    (store.root / "records/ab" / f".tmp-{gone}-7.part").write_bytes(b"a killed batch's unnamed write")
    with durable_in_groups(store):
        store.put("records/ab/live.json", b"{}")  # this process's group, not named yet: not stray
        assert store.sweep_stray_temp_files() == 1
        make_durable(store)
    assert _names_on_disk(store) == ["records/ab/kept.json", "records/ab/live.json"]
