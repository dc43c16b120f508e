"""Whatever order pulls, local actions and push results come in, the view is the newest
snapshot with every unsent op laid over it, in order."""

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from test_store_factory import make_case, op, open_store, result, upsert

AUTHOR = {"id": "o1", "name": "李明", "unit_id": "s1"}
steps = st.lists(st.sampled_from(["pull", "note", "push_one"]), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None)
@given(steps)
def test_view_is_newest_snapshot_plus_pending_ops(sequence):
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp))
        store.apply_changes([upsert(make_case(1, assignee_id="o1", status="in_progress"))], "c0")
        version, pending = 1, []
        for step in sequence:
            if step == "pull":
                version += 1
                store.apply_changes([upsert(make_case(1, assignee_id="o1", status="in_progress",
                                                      version=version))], f"c{version}")
            elif step == "note":
                o = op("case-1", "note", {"body": f"第{len(pending) + 1}条备注"}, base_version=version)
                store.enqueue(o, author=AUTHOR)
                pending.append(o)
            elif pending:
                sent = pending.pop(0)
                version += 1
                store.record_results([sent], [result(sent, "applied", make_case(
                    1, assignee_id="o1", status="in_progress", version=version))])
            view = store.case("case-1")
            assert view["version"] == version
            assert view["pending_ops"] == len(pending)
            local = [e["op_id"] for e in view["entries"] if e["local_state"] == "pending"]
            assert local == [o.op_id for o in pending]
            assert [o.op_id for o in store.next_batch()] == [o.op_id for o in pending]
        store.close()
