"""A layered, compound layout of the connectivity map, computed in Python.

Nodes belong to groups (namespaces; ``""`` holds the nodes of no one namespace: outside
the cluster, the ingress controller, "any pod"). The layout has two levels, each a
layered (Sugiyama-style) drawing from left to right:

* inside a group, nodes are ranked by the longest path over the group's own edges
  (strongly connected nodes share a rank), ordered within a rank by barycentre sweeps,
  and a rank with more nodes than ``rows`` wraps into several sub-columns;
* groups are ranked the same way over the edges between groups (the ``""`` group
  first), stacked in columns, and ordered by the barycentre of their neighbours.

The number of rows and the column splits are chosen so that the drawing's aspect ratio
comes close to a screen's, which is what makes the namespace boxes fit the viewport.
Boxes never overlap by construction: nodes sit in grid cells inside their group box and
group boxes sit in disjoint columns.

Edges leave and enter nodes on their left or right sides, spread along the side in the
order of the other end, as cubic curves; their end points lie on the node borders.
Labels are placed greedily at the first point along the curve where they collide with
no node, no group title and no placed label; a label that fits nowhere is marked
hidden (the page shows it on hover). Label widths are exact because the page draws
labels in a monospace font of known advance (:data:`LABEL_CHAR_W`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import networkx as nx

NODE_W = 200.0
NODE_H = 40.0
GAP_X = 80.0  # between sub-columns inside a group
GAP_Y = 18.0  # between nodes of one column
PAD = 14.0  # inside a group box
HEADER = 28.0  # group title band
GROUP_GAP_X = 90.0
GROUP_GAP_Y = 28.0
MARGIN = 20.0
LABEL_FONT = 10.0
LABEL_CHAR_W = 6.02  # advance of a 10px monospace glyph (0.6 em)
LABEL_H = 13.0
LABEL_MAX = 30  # characters shown on the map; the full text is in the title
# the map's share of a laptop screen beside the side panel, and the page's zoom cap
VIEW_W, VIEW_H, MAX_SCALE = 1000.0, 800.0, 1.6
TARGET_ASPECT = VIEW_W / VIEW_H
GROUP_ASPECTS = (1.2, 2.4, 5.0, 1000.0)  # shapes tried for the namespace boxes
FOLD_COST = 0.2  # legibility (log of scale) a fold of the whole drawing must buy
GROUP_FOLD_COST = 0.01  # and a fold inside one namespace box
ROW_CHOICES = (3, 4, 5, 6, 7, 8, 10, 12, 15, 20, 25, 30, 40, 60)


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def overlaps(self, o: Rect, pad: float = 0.0) -> bool:
        return (
            self.x < o.right + pad
            and o.x < self.right + pad
            and self.y < o.bottom + pad
            and o.y < self.bottom + pad
        )

    def moved(self, dx: float, dy: float) -> Rect:
        return Rect(self.x + dx, self.y + dy, self.w, self.h)


class _Grid:
    """Rectangles bucketed by cells, for overlap queries in time linear in the answer."""

    CELL = 120.0

    def __init__(self, rects: Sequence[Rect] = ()) -> None:
        self._cells: dict[tuple[int, int], list[Rect]] = {}
        for r in rects:
            self.add(r)

    def _keys(self, r: Rect, pad: float) -> list[tuple[int, int]]:
        c = self.CELL
        x0, x1 = int((r.x - pad) // c), int((r.right + pad) // c)
        y0, y1 = int((r.y - pad) // c), int((r.bottom + pad) // c)
        return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]

    def add(self, r: Rect) -> None:
        for k in self._keys(r, 0.0):
            self._cells.setdefault(k, []).append(r)

    def hits(self, r: Rect, pad: float) -> bool:
        return any(r.overlaps(o, pad) for k in self._keys(r, pad) for o in self._cells.get(k, ()))


@dataclass(frozen=True)
class EdgeGeom:
    """One drawn edge: its curve, its end points and where its label goes."""

    src: str
    dst: str
    path: str  # SVG path data
    start: tuple[float, float]
    end: tuple[float, float]
    label: str  # as shown (possibly shortened)
    label_box: Rect | None  # None: hidden (shown on hover)


@dataclass
class Layout:
    nodes: dict[str, Rect]
    groups: dict[str, Rect]
    edges: list[EdgeGeom] = field(default_factory=list)
    width: float = 0.0
    height: float = 0.0


# -- ranks and orders ----------------------------------------------------------------


def _ranks(items: Sequence[str], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Longest-path rank of each item; items of one strongly connected set share one."""
    g = nx.DiGraph()
    g.add_nodes_from(items)
    g.add_edges_from((a, b) for a, b in edges if a != b)
    cond = nx.condensation(g)
    rank: dict[int, int] = {}
    for c in nx.topological_sort(cond):
        preds = list(cond.predecessors(c))
        rank[c] = max((rank[p] + 1 for p in preds), default=0)
    mapping: dict[str, int] = cond.graph["mapping"]
    return {n: rank[mapping[n]] for n in items}


def _order(
    layers: list[list[str]], edges: Sequence[tuple[str, str]], sweeps: int = 4
) -> list[list[str]]:
    """Barycentre ordering of each layer (sorted names first; deterministic)."""
    layers = [sorted(layer) for layer in layers]
    nbrs: dict[str, list[str]] = {}
    for a, b in edges:
        if a != b:
            nbrs.setdefault(a, []).append(b)
            nbrs.setdefault(b, []).append(a)
    for sweep in range(sweeps):
        pos = {n: i for layer in layers for i, n in enumerate(layer)}
        rng = range(1, len(layers)) if sweep % 2 == 0 else range(len(layers) - 2, -1, -1)
        ref = -1 if sweep % 2 == 0 else 1
        for li in rng:
            fixed = set(layers[li + ref])

            def key(
                n: str, fixed: set[str] = fixed, pos: dict[str, int] = pos
            ) -> tuple[float, str]:
                ps = [pos[m] for m in nbrs.get(n, ()) if m in fixed]
                return (sum(ps) / len(ps) if ps else pos[n], n)

            layers[li] = sorted(layers[li], key=key)
            pos.update({n: i for i, n in enumerate(layers[li])})
    return layers


# -- one group -------------------------------------------------------------------------


@dataclass
class _GroupDraft:
    name: str
    w: float
    h: float
    cells: dict[str, tuple[float, float]]  # node -> offset inside the box
    bands: int = 1


def _bands_of(d: _GroupDraft) -> int:
    return d.bands


def _bands(columns: list[list[str]], per_band: int) -> list[list[list[str]]]:
    return [columns[i : i + per_band] for i in range(0, len(columns), per_band)]


def _col_h(n: int) -> float:
    return n * NODE_H + (n - 1) * GAP_Y


def _draft_size(bands: list[list[list[str]]]) -> tuple[float, float]:
    w = max(len(b) * NODE_W + (len(b) - 1) * GAP_X for b in bands)
    h = sum(max(_col_h(len(c)) for c in b) for b in bands) + GAP_Y * 1.5 * (len(bands) - 1)
    return 2 * PAD + w, HEADER + h + PAD


def _group_draft(
    name: str, members: Sequence[str], own: Sequence[tuple[str, str]], aspect: float
) -> _GroupDraft:
    """Ranked columns, wrapped (a rank taller than ``rows`` splits into sub-columns) and
    folded (a run of columns wider than ``per_band`` continues below), choosing the
    wrap and fold that bring the box closest to ``aspect``. ``own`` are the edges
    between members."""
    rank = _ranks(members, own) if name else {n: 0 for n in members}
    layers: list[list[str]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for n in members:
        layers[rank[n]].append(n)
    if name:
        layers = _order([layer for layer in layers if layer], own)
    else:  # nodes of no one namespace: one column, outside the cluster first
        first = {"outside the cluster": 0, "{ingress-controller}": 1}
        layers = [sorted(members, key=lambda n: (first.get(n, 2), n))]
    best: tuple[float, list[list[list[str]]]] | None = None
    tallest = max(len(layer) for layer in layers)
    for rows in ROW_CHOICES:
        columns: list[list[str]] = []
        for layer in layers:
            k = math.ceil(len(layer) / rows)
            per = math.ceil(len(layer) / k)
            columns.extend(layer[i : i + per] for i in range(0, len(layer), per))
        for per_band in range(len(columns), 0, -1):
            bands = _bands(columns, per_band)
            w, h = _draft_size(bands)
            score = abs(math.log((w / h) / aspect)) + 0.2 * (len(bands) - 1)
            if best is None or score < best[0] - 1e-9:
                best = (score, bands)
        if rows >= tallest:
            break
    assert best is not None
    bands = best[1]
    w, h = _draft_size(bands)
    cells: dict[str, tuple[float, float]] = {}
    top = HEADER
    for band in bands:
        band_h = max(_col_h(len(c)) for c in band)
        for ci, col in enumerate(band):
            y0 = top + (band_h - _col_h(len(col))) / 2
            for ri, n in enumerate(col):
                cells[n] = (PAD + ci * (NODE_W + GAP_X), y0 + ri * (NODE_H + GAP_Y))
        top += band_h + GAP_Y * 1.5
    return _GroupDraft(name, w, h, cells, len(bands))


# -- groups in columns ------------------------------------------------------------------


def _columns(
    drafts: dict[str, _GroupDraft], group_edges: Sequence[tuple[str, str]]
) -> list[list[str]]:
    names = sorted(drafts)
    # the "" group (outside the cluster, pseudo nodes) is a source: edges into it are
    # ignored for ranking, so that it stands first
    ranked = [(a, b) for a, b in group_edges if b != ""]
    rank = _ranks(names, ranked)
    if "" in drafts:
        for n in names:
            if n != "":
                rank[n] = max(rank[n], 1)
        rank[""] = 0
    cols: list[list[str]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    for n in names:
        cols[rank[n]].append(n)
    return _order([c for c in cols if c], group_edges, sweeps=2)


def _height(col: Sequence[str], drafts: dict[str, _GroupDraft]) -> float:
    return sum(drafts[g].h for g in col) + GROUP_GAP_Y * (len(col) - 1)


def _extent(cols: Sequence[Sequence[str]], drafts: dict[str, _GroupDraft]) -> tuple[float, float]:
    w = sum(max(drafts[g].w for g in c) for c in cols) + GROUP_GAP_X * (len(cols) - 1)
    h = max(_height(c, drafts) for c in cols)
    return w, h


def _balance(cols: list[list[str]], drafts: dict[str, _GroupDraft]) -> list[list[str]]:
    """Split the tallest column while the drawing is much taller than a screen."""
    while True:
        w, h = _extent(cols, drafts)
        if w / h >= TARGET_ASPECT * 0.8:
            return cols
        i = max(range(len(cols)), key=lambda k: (_height(cols[k], drafts), -k))
        col = cols[i]
        if len(col) < 2:
            return cols
        total = _height(col, drafts)
        acc, cut = 0.0, 1
        for j, g in enumerate(col[:-1]):
            acc += drafts[g].h + GROUP_GAP_Y
            cut = j + 1
            if acc >= total / 2:
                break
        cols = [*cols[:i], col[:cut], col[cut:], *cols[i + 1 :]]


def _fitted(w: float, h: float) -> float:
    """log of the scale at which a w x h drawing fits the reference view."""
    return math.log(min(VIEW_W / w, VIEW_H / h, MAX_SCALE))


def _fold(
    cols: list[list[str]], drafts: dict[str, _GroupDraft]
) -> tuple[list[list[list[str]]], float]:
    """The columns folded into bands (rows of columns) to be drawn largest on a screen."""
    best: tuple[float, list[list[list[str]]]] | None = None
    for per_band in range(len(cols), 0, -1):
        bands = [cols[i : i + per_band] for i in range(0, len(cols), per_band)]
        w = max(_extent(b, drafts)[0] for b in bands)
        h = sum(_extent(b, drafts)[1] for b in bands) + GROUP_GAP_Y * 2 * (len(bands) - 1)
        value = _fitted(w, h) - FOLD_COST * (len(bands) - 1)
        if best is None or value > best[0] + 1e-9:
            best = (value, bands)
    assert best is not None
    return best[1], best[0]


# -- edges ---------------------------------------------------------------------------


def _bezier(
    p0: tuple[float, float],
    p1: tuple[float, float],
    p2: tuple[float, float],
    p3: tuple[float, float],
    t: float,
) -> tuple[float, float]:
    u = 1 - t
    x = u * u * u * p0[0] + 3 * u * u * t * p1[0] + 3 * u * t * t * p2[0] + t * t * t * p3[0]
    y = u * u * u * p0[1] + 3 * u * u * t * p1[1] + 3 * u * t * t * p2[1] + t * t * t * p3[1]
    return (x, y)


LABEL_TS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78, 0.15, 0.85)
FAN_OUT_TS = (0.12, 0.18, 0.25, 0.32, 0.4, 0.08)
FAN_IN_TS = (0.88, 0.82, 0.75, 0.68, 0.6, 0.92)
FAN = 4  # edges sharing one end and one label from which one label stands for all


def shorten(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"


def label_size(text: str) -> tuple[float, float]:
    return (len(text) * LABEL_CHAR_W + 6.0, LABEL_H)


def _fmt(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _route_edges(
    lay: Layout, edges: Sequence[tuple[str, str, str]], obstacles: list[Rect]
) -> list[EdgeGeom]:
    boxes = lay.nodes
    sides: list[tuple[str, str]] = []
    for s, d, _label in edges:
        a, b = boxes[s], boxes[d]
        if b.x >= a.right + 1:
            sides.append(("R", "L"))
        elif b.right <= a.x - 1:
            sides.append(("L", "R"))
        else:
            sides.append(("R", "R"))
    # spread the attachment points of each node side in the order of the other ends
    attach: dict[tuple[str, str], list[tuple[float, int, int]]] = {}
    for i, ((s, d, _l), (ss, ds)) in enumerate(zip(edges, sides, strict=True)):
        attach.setdefault((s, ss), []).append((boxes[d].y + boxes[d].h / 2, i, 0))
        attach.setdefault((d, ds), []).append((boxes[s].y + boxes[s].h / 2, i, 1))
    point: dict[tuple[int, int], tuple[float, float]] = {}
    for (n, side), items in attach.items():
        r = boxes[n]
        items.sort()
        x = r.right if side == "R" else r.x
        k = len(items)
        for j, (_y, i, end) in enumerate(items):
            point[(i, end)] = (x, r.y + r.h * (j + 1) / (k + 1))
    # fans: one label for many edges of one end and one label text, near that end
    roles = ["own"] * len(edges)
    fans: dict[tuple[str, str, str], list[int]] = {}
    for i, (s, d, label) in enumerate(edges):
        fans.setdefault(("out", s, label), []).append(i)
        fans.setdefault(("in", d, label), []).append(i)
    for (way, _n, _l), members in sorted(fans.items(), key=lambda kv: -len(kv[1])):
        if len(members) < FAN or any(roles[i] != "own" for i in members):
            continue
        far = 1 if way == "out" else 0  # sort by the other end's height
        members.sort(key=lambda i: point[(i, far)][1])
        lead = members[len(members) // 2]
        for i in members:
            roles[i] = "hidden"
        roles[lead] = "fan-out" if way == "out" else "fan-in"
    curves: list[tuple[tuple[float, float], ...]] = []
    for i, (ss, ds) in enumerate(sides):
        p0, p3 = point[(i, 0)], point[(i, 1)]
        dx, dy = abs(p3[0] - p0[0]), abs(p3[1] - p0[1])
        # an arc on the right of one column, or a curve across
        c = 36 + min(0.3 * dy, 90) if ss == ds else max(30.0, 0.45 * dx)
        p1 = (p0[0] + (c if ss == "R" else -c), p0[1])
        p2 = (p3[0] + (c if ds == "R" else -c), p3[1])
        curves.append((p0, p1, p2, p3))
    # arcs on the right of a column may reach past the boxes (their hull is the extent)
    if curves:
        lay.width = max(lay.width, max(p[0] for cv in curves for p in cv) + MARGIN)
        lay.height = max(lay.height, max(p[1] for cv in curves for p in cv) + MARGIN)
    out: list[EdgeGeom] = []
    blocked = _Grid(obstacles)
    placed = _Grid()
    for i, ((s, d, label), (p0, p1, p2, p3)) in enumerate(zip(edges, curves, strict=True)):
        path = (
            f"M{_fmt(p0[0])},{_fmt(p0[1])} C{_fmt(p1[0])},{_fmt(p1[1])} "
            f"{_fmt(p2[0])},{_fmt(p2[1])} {_fmt(p3[0])},{_fmt(p3[1])}"
        )
        text = shorten(label)
        lw, lh = label_size(text)
        box: Rect | None = None
        role = roles[i]
        ts = LABEL_TS if role == "own" else FAN_OUT_TS if role == "fan-out" else FAN_IN_TS
        for t in ts if role != "hidden" else ():
            cx, cy = _bezier(p0, p1, p2, p3, t)
            cand = Rect(cx - lw / 2, cy - lh / 2, lw, lh)
            if cand.x < 0 or cand.y < 0 or cand.right > lay.width or cand.bottom > lay.height:
                continue
            if blocked.hits(cand, 2.0) or placed.hits(cand, 1.0):
                continue
            box = cand
            placed.add(cand)
            break
        out.append(EdgeGeom(s, d, path, p0, p3, text, box))
    return out


# -- entry point ---------------------------------------------------------------------


def layout(nodes: Sequence[tuple[str, str]], edges: Sequence[tuple[str, str, str]]) -> Layout:
    """Place ``nodes`` (id, group) and route ``edges`` (src, dst, label)."""
    members: dict[str, list[str]] = {}
    group_of: dict[str, str] = {}
    for nid, group in nodes:
        members.setdefault(group, []).append(nid)
        group_of[nid] = group
    pairs = [(s, d) for s, d, _ in edges if s in group_of and d in group_of]
    own: dict[str, list[tuple[str, str]]] = {}
    for a, b in pairs:
        if group_of[a] == group_of[b]:
            own.setdefault(group_of[a], []).append((a, b))
    group_edges = sorted(
        {(group_of[s], group_of[d]) for s, d in pairs if group_of[s] != group_of[d]}
    )
    lay = Layout({}, {})
    if not members:
        lay.width, lay.height = 2 * MARGIN, 2 * MARGIN
        return lay
    best: tuple[float, list[list[list[str]]], dict[str, _GroupDraft]] | None = None
    for aspect in GROUP_ASPECTS:
        tried = {g: _group_draft(g, m, own.get(g, []), aspect) for g, m in members.items()}
        folds = sum(_bands_of(d) - 1 for d in tried.values())
        cols = _balance(_columns(tried, group_edges), tried)
        tried_bands, value = _fold(cols, tried)
        value -= GROUP_FOLD_COST * folds
        if best is None or value > best[0] + 1e-9:
            best = (value, tried_bands, tried)
    assert best is not None
    _v, bands, drafts = best
    y0 = MARGIN
    for band in bands:
        x = MARGIN
        band_h = _extent(band, drafts)[1]
        for col in band:
            col_w = max(drafts[g].w for g in col)
            y = y0 + (band_h - _height(col, drafts)) / 2
            for g in col:
                d = drafts[g]
                gx = x + (col_w - d.w) / 2
                lay.groups[g] = Rect(gx, y, d.w, d.h)
                for n, (ox, oy) in d.cells.items():
                    lay.nodes[n] = Rect(gx + ox, y + oy, NODE_W, NODE_H)
                y += d.h + GROUP_GAP_Y
            x += col_w + GROUP_GAP_X
        y0 += band_h + GROUP_GAP_Y * 2
    lay.width = max(r.right for r in lay.groups.values()) + MARGIN
    lay.height = max(r.bottom for r in lay.groups.values()) + MARGIN
    titles = [Rect(r.x, r.y, r.w, HEADER) for r in lay.groups.values()]
    obstacles = list(lay.nodes.values()) + titles
    drawn = [(s, d, label) for s, d, label in edges if s in lay.nodes and d in lay.nodes]
    lay.edges = _route_edges(lay, drawn, obstacles)
    return lay
