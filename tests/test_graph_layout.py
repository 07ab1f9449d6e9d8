"""The layered, compound layout of the HTML map (pure geometry, no browser)."""

from __future__ import annotations

import math
import random

import pytest

from k8snetlint.reporters import graph_layout as gl


def random_graph(seed: int, n: int) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]]]:
    rng = random.Random(seed)
    groups = [f"ns{i}" for i in range(max(1, n // 8))] + [""]
    nodes = [(f"n{i}", rng.choice(groups)) for i in range(n)]
    edges = sorted(
        {
            (
                f"n{rng.randrange(n)}",
                f"n{rng.randrange(n)}",
                rng.choice(["TCP 80", "All Connections", "UDP 53,TCP 8080-8090"]),
            )
            for _ in range(n * 2)
        }
    )
    return nodes, [(s, d, label) for s, d, label in edges if s != d]


def on_border(p: tuple[float, float], r: gl.Rect) -> bool:
    x, y = p
    inside = r.x - 0.01 <= x <= r.right + 0.01 and r.y - 0.01 <= y <= r.bottom + 0.01
    return inside and (math.isclose(x, r.x) or math.isclose(x, r.right))


@pytest.mark.parametrize(("seed", "n"), [(1, 5), (2, 12), (3, 60), (4, 150)])
def test_layout_invariants(seed: int, n: int) -> None:
    nodes, edges = random_graph(seed, n)
    lay = gl.layout(nodes, edges)
    boxes = list(lay.nodes.items())
    assert len(boxes) == n
    for i, (a, ra) in enumerate(boxes):  # no two node boxes overlap
        for b, rb in boxes[i + 1 :]:
            assert not ra.overlaps(rb), (a, b)
    group_of = dict(nodes)
    for nid, r in lay.nodes.items():  # each node inside its own group box, below the title
        g = lay.groups[group_of[nid]]
        assert g.x <= r.x and r.right <= g.right and g.y + gl.HEADER <= r.y and r.bottom <= g.bottom
    groups = list(lay.groups.values())
    for i, a in enumerate(groups):  # group boxes do not overlap
        for b in groups[i + 1 :]:
            assert not a.overlaps(b)
    assert len(lay.edges) == len(edges)
    shown = [e.label_box for e in lay.edges if e.label_box is not None]
    assert shown
    for e in lay.edges:  # edges end on the borders of the nodes they join
        assert on_border(e.start, lay.nodes[e.src]) and on_border(e.end, lay.nodes[e.dst])
        assert e.path.startswith("M")
    for i, a in enumerate(shown):  # labels collide with no label and no node
        assert not any(a.overlaps(b) for b in shown[i + 1 :])
        assert not any(a.overlaps(r) for r in lay.nodes.values())
    # the drawing comes close to a screen's proportions once it has a few groups
    if n >= 60:
        assert 0.6 < (lay.width / lay.height) / gl.TARGET_ASPECT < 1.7


def test_layout_is_layered_and_deterministic() -> None:
    nodes = [("a", "x"), ("b", "x"), ("c", "x"), ("o", "")]
    edges = [("o", "a", "TCP 80"), ("a", "b", "TCP 80"), ("b", "c", "TCP 5432")]
    lay = gl.layout(nodes, edges)
    xs = [lay.nodes[n].x for n in "abc"]
    # a chain reads left to right (or folds below when the row grows too wide)
    assert xs == sorted(xs) or lay.nodes["c"].y > lay.nodes["a"].y
    assert lay.groups[""].right < lay.groups["x"].x  # outside the cluster stands first
    assert gl.layout(nodes, edges) == lay


def test_fan_labels_stand_once() -> None:
    nodes = [("p", "mon")] + [(f"t{i}", "app") for i in range(8)]
    edges = [("p", f"t{i}", "TCP 9090") for i in range(8)]
    lay = gl.layout(nodes, edges)
    assert sum(1 for e in lay.edges if e.label_box is not None) == 1


def test_long_labels_are_shortened() -> None:
    long = ",".join(f"TCP {p}" for p in range(8000, 8020))
    lay = gl.layout([("a", "x"), ("b", "y")], [("a", "b", long)])
    assert lay.edges[0].label.endswith("…") and len(lay.edges[0].label) == gl.LABEL_MAX
