"""The social network: household, village and urban ties as sparse arrays.

Ties are drawn directly as index arrays from the model's generator (building
a networkx graph of a million nodes takes minutes; see docs/odd.md) and kept
in two layers:

* ``base``: ties made at set-up (household cliques; a Watts-Strogatz small
  world within each village), a symmetric CSR matrix. When a migrant leaves,
  a share of its village ties is cut by zeroing their weights (and their
  mirror entries); household ties are never cut.
* run-time ties (urban ties between the county's migrants, newborns' and
  spouses' household ties, returnees' new village ties): an edge list
  (``extra_src``, ``extra_dst``, ``extra_kind``), weight 1 each. Products over
  it are ``np.bincount`` over the edges (O(E), no sorting); ``extra``, the same
  ties as a symmetric CSR matrix, is built only when asked for (per-person
  tie lists, export).

"Share of my ties who are away" is the count of living ties who are away over
the count of living ties: one sparse product for both, and two edge counts each.
:meth:`SocialNetwork.to_networkx` exports the live network for drawing and analysis.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp

from .population import group_order, radix_argsort

HOUSEHOLD, VILLAGE, URBAN = 0, 1, 2


def household_ties(household: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All pairs of persons in the same household (each pair once)."""
    order = np.argsort(household, kind="stable")
    hh = household[order]
    src, dst = [], []
    d = 1
    while d < len(order):
        same = hh[d:] == hh[:-d]
        if not same.any():
            break
        src.append(order[:-d][same])
        dst.append(order[d:][same])
        d += 1
    if not src:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(src), np.concatenate(dst)


def village_small_world(village: np.ndarray, k: int, p: float, rng: np.random.Generator):
    """Watts-Strogatz ties within each village, drawn as arrays.

    Persons of a village are placed on a ring in random order and tied to their
    k/2 nearest neighbours on each side; each tie's far end is rewired with
    probability p to a random member of the same village. Self-ties are dropped.
    """
    n = len(village)
    if k == 0 or n == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    order = group_order(village, rng.random(n))
    v = village[order]
    sizes = np.bincount(v)
    start = np.r_[0, np.cumsum(sizes)[:-1]]
    pos = np.arange(n) - start[v]
    size = sizes[v]
    src, dst = [], []
    for d in range(1, k // 2 + 1):
        far = start[v] + (pos + d) % size
        rewire = rng.random(n) < p
        far = np.where(rewire, start[v] + (rng.random(n) * size).astype(np.int64), far)
        keep = far != np.arange(n)
        src.append(order[keep])
        dst.append(order[far[keep]])
    return np.concatenate(src), np.concatenate(dst)


def _symmetric_csr(src: np.ndarray, dst: np.ndarray, n: int, row_order=radix_argsort) -> tuple[sp.csr_matrix, np.ndarray]:
    """Symmetric CSR of undirected ties (src[e], dst[e]) with weight 1.

    Entry e (e < E) stores (src, dst) and entry E + e its mirror (dst, src).
    Returns the matrix and, for each stored position, the entry number it holds.
    ``row_order(rows, n)`` groups the entries by row (duplicate ties stay separate
    entries: SpMV adds them); the default keeps the entries of a row in entry order.
    """
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src], dtype=np.int32)  # SciPy stores them as int32 (n < 2**31): no cast of the gathered copy
    order = row_order(rows, n)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    mat = sp.csr_matrix((np.ones(len(rows), np.float32), cols[order], indptr), shape=(n, n))
    return mat, order


def _introsort_rows(rows: np.ndarray, n: int) -> np.ndarray:
    """NumPy's default (unstable) argsort of ``rows``: the set-up layer's historical order.

    ``cut_village_ties`` keys its draws by stored position, so this order is part
    of the results. It depends on the CPU's SIMD sort (AVX-512 or not), see
    docs/performance.md; kept so that results stay bit-identical on one machine.
    """
    return np.argsort(rows)


class SocialNetwork:
    """Ties between persons, stepped as sparse matrices (weights = tie strength, 1 or 0)."""

    def __init__(self, n: int, src: np.ndarray, dst: np.ndarray, kind: np.ndarray):
        """Set-up ties (src[e], dst[e]) of ``kind[e]`` (HOUSEHOLD or VILLAGE) among ``n`` persons."""
        self.n_base = n
        self.base, entry = _symmetric_csr(src, dst, n, row_order=_introsort_rows)
        n_edges = len(src)
        position = np.empty_like(entry)
        position[entry] = np.arange(len(entry))
        self._mirror = position[(entry + n_edges) % (2 * n_edges)] if n_edges else entry
        self._base_kind = kind[entry % n_edges] if n_edges else np.empty(0, np.int8)
        longest = int(np.diff(self.base.indptr).max(initial=0))
        if (2 * longest + 1) * longest >= 2**24:
            raise ValueError(f"a person has {longest} set-up ties; share_of_ties counts exactly below 2,896")
        #: Power of two above every set-up row's length: share_of_ties packs two counts in one float32 sum.
        self._pack = float(1 << longest.bit_length())
        self._extra_src = np.empty(0, np.int64)
        self._extra_dst = np.empty(0, np.int64)
        self._extra_kind = np.empty(0, np.int8)
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # ties added, joined when read
        self._extra_csr: sp.csr_matrix | None = None  # ``extra``, built when asked for; None when stale

    # ------------------------------------------------------------ run-time edge list
    def _flush(self) -> None:
        if self._pending:
            src, dst, kind = zip(*self._pending)
            self._extra_src = np.concatenate([self._extra_src, *src])
            self._extra_dst = np.concatenate([self._extra_dst, *dst])
            self._extra_kind = np.concatenate([self._extra_kind, *kind])
            self._pending = []

    @property
    def extra_src(self) -> np.ndarray:
        """First end of each run-time tie."""
        self._flush()
        return self._extra_src

    @property
    def extra_dst(self) -> np.ndarray:
        """Second end of each run-time tie."""
        self._flush()
        return self._extra_dst

    @property
    def extra_kind(self) -> np.ndarray:
        """Kind of each run-time tie (HOUSEHOLD, VILLAGE, URBAN)."""
        self._flush()
        return self._extra_kind

    @property
    def extra(self) -> sp.csr_matrix:
        """The run-time ties as a symmetric CSR matrix (square, one row per person row so far; weight 1).

        Duplicate ties stay separate entries. Built from the edge list on first
        use after a change (O(E) radix grouping); the model's own queries do not need it.
        """
        if self._extra_csr is None:
            n = max(self.n_base, int(max(self.extra_src.max(initial=-1), self.extra_dst.max(initial=-1))) + 1)
            self._extra_csr = _symmetric_csr(self.extra_src, self.extra_dst, n)[0]
        return self._extra_csr

    # ------------------------------------------------------------ queries
    def _extra_counts(self, mask: np.ndarray) -> np.ndarray:
        """For each person (row of boolean ``mask``), its run-time ties to persons in ``mask``: per edge, an end in ``mask`` counts at the other end."""
        n = len(mask)
        src, dst = self.extra_src, self.extra_dst
        return np.bincount(src[mask[dst]], minlength=n) + np.bincount(dst[mask[src]], minlength=n)

    def count_tied_to(self, persons: np.ndarray, n: int) -> np.ndarray:
        """For each of ``n`` persons, the weight of its ties to ``persons`` (distinct indices; few).

        Both layers are symmetric, so the base layer reads only the rows of
        ``persons``; the run-time layer reads the edges with an end among ``persons``.
        """
        out = np.zeros(n, dtype=np.float64)
        base = self.base
        rows = persons[persons < self.n_base]
        if len(rows):
            starts, ends = base.indptr[rows], base.indptr[rows + 1]
            lengths = ends - starts
            pos = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
            out[: self.n_base] += np.bincount(base.indices[pos], base.data[pos], minlength=self.n_base)
        flagged = np.zeros(n, bool)
        flagged[persons] = True
        src, dst = self.extra_src, self.extra_dst
        out += np.bincount(dst[flagged[src]], minlength=n) + np.bincount(src[flagged[dst]], minlength=n)
        return out

    def share_of_ties(self, trait: np.ndarray, alive: np.ndarray) -> np.ndarray:
        """Share of each person's living ties that have ``trait`` (0 when no ties).

        One single-vector CSR product (cheaper than a multi-vector one at a
        million persons) counts both in the set-up layer: a living neighbour
        weighs 1 and one with the trait ``1 + _pack``, so a row's sum
        ``d + _pack * t`` (``d`` living ties, ``t`` of them with the trait) is
        an exact float32 integer that splits back into the two, as ``d < _pack``.
        """
        n, nb, pack = len(alive), self.n_base, self._pack
        has = trait & alive
        packed = self.base @ (alive[:nb] + pack * has[:nb]).astype(np.float32)
        deg, num = np.zeros(n), np.zeros(n)
        num[:nb] = np.floor(packed / pack)
        deg[:nb] = packed - pack * num[:nb]
        deg += self._extra_counts(alive)
        num += self._extra_counts(has)
        return np.divide(num, deg, out=np.zeros_like(num), where=deg > 0)

    @property
    def n_ties(self) -> int:
        """Number of live ties (undirected), counting both layers."""
        return int(np.count_nonzero(self.base.data) // 2 + len(self.extra_src))

    # ------------------------------------------------------------ changes
    def cut_village_ties(self, persons: np.ndarray, share: float, rng: np.random.Generator) -> None:
        """Cut a random ``share`` of the set-up village ties of ``persons`` (both directions).

        Household ties are never cut.
        """
        persons = persons[persons < self.n_base]
        if share <= 0 or len(persons) == 0:
            return
        starts, ends = self.base.indptr[persons], self.base.indptr[persons + 1]
        lengths = ends - starts
        pos = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
        cut = pos[(rng.random(len(pos)) < share) & (self._base_kind[pos] == VILLAGE)]
        self.base.data[cut] = 0.0
        self.base.data[self._mirror[cut]] = 0.0

    def add_ties(self, src: np.ndarray, dst: np.ndarray, kind: int) -> None:
        """Add ties made during the run (layer ``extra``)."""
        keep = src != dst
        self._pending.append((src[keep], dst[keep], np.full(np.count_nonzero(keep), kind, np.int8)))
        self._extra_csr = None

    def drop_extra_ties(self, persons_mask: np.ndarray, kind: int, share: float, rng: np.random.Generator) -> None:
        """Drop a random ``share`` of run-time ties of ``kind`` touching flagged persons."""
        touch = (persons_mask[self.extra_src] | persons_mask[self.extra_dst]) & (self.extra_kind == kind)
        drop = touch & (rng.random(len(touch)) < share)
        if drop.any():
            self._keep_extra(~drop)

    def prune(self, alive: np.ndarray) -> None:
        """Forget run-time ties to the dead (and to persons who left the county)."""
        live = alive[self.extra_src] & alive[self.extra_dst]
        if not live.all():
            self._keep_extra(live)

    def _keep_extra(self, keep: np.ndarray) -> None:
        self._extra_src, self._extra_dst, self._extra_kind = self.extra_src[keep], self.extra_dst[keep], self.extra_kind[keep]
        self._extra_csr = None

    # ------------------------------------------------------------ export
    def to_networkx(self, alive: np.ndarray) -> nx.Graph:
        """The live network as a networkx Graph on living persons' indices."""
        base = self.base.tocoo()
        upper = (base.data > 0) & (base.row < base.col)
        ends = np.stack([np.r_[base.row[upper], self.extra_src], np.r_[base.col[upper], self.extra_dst]])
        ends = ends[:, alive[ends[0]] & alive[ends[1]]]
        graph = nx.Graph()
        graph.add_nodes_from(np.flatnonzero(alive).tolist())
        graph.add_edges_from(zip(ends[0].tolist(), ends[1].tolist()))
        return graph
