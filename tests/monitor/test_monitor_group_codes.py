"""The label-free checks split rows by the frame's integer group codes; the result is the same
as splitting the group labels themselves, also after rows (and with them a value) drop out."""

from __future__ import annotations

import numpy as np

from fairgov.monitor import checks
from fairgov.monitor.frames import Frame


def frames(n: int = 500) -> tuple[Frame, Frame]:
    rng = np.random.default_rng(3)
    values = np.array(["80+", "18-39", "unknown", "40-59", "18-39"])  # two codes, one label
    index = rng.integers(0, len(values), n)
    index[rng.random(n) < 0.3] = 0
    label = np.where(index == 0, np.nan, (rng.random(n) < 0.4).astype(float))  # 80+: pending
    cols = (label, rng.random(n), rng.integers(0, 2, n), rng.random(n), rng.integers(0, 50, n))
    groups = {"age": values[index]}
    return Frame(*cols, groups, {"age": (index, values)}), Frame(*cols, dict(groups))


def test_groups_and_counts_match_the_label_split() -> None:
    coded, plain = frames()
    for a, b in ((coded, plain), (coded.labelled(), plain.labelled())):
        got, want = checks._groups(a, "age"), checks._groups(b, "age")
        assert [g for g, _ in got] == [g for g, _ in want]
        assert all(np.array_equal(m1, m2) for (_, m1), (_, m2) in zip(got, want, strict=True))
        assert checks._counts(a, "age") == checks._counts(b, "age")
    labelled = checks._groups(coded.labelled(), "age")
    assert "80+" not in [g for g, _ in labelled]  # every 80+ row was label-pending
    assert checks._counts(coded, "age")["18-39"] == int(np.sum(plain.groups["age"] == "18-39"))
