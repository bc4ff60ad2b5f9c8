"""The array-built network matches the networkx models it stands for, and its sparse queries are right."""

from __future__ import annotations

import networkx as nx
import numpy as np

from rural_abm.model.network import HOUSEHOLD, VILLAGE, SocialNetwork, household_ties, village_small_world


def test_village_ties_match_networkx_watts_strogatz():
    n, k, p = 2000, 6, 0.1
    rng = np.random.default_rng(0)
    src, dst = village_small_world(np.zeros(n, np.int64), k, p, rng)
    ours = SocialNetwork(n, src, dst, np.full(len(src), VILLAGE)).to_networkx(np.ones(n, bool))
    reference = nx.watts_strogatz_graph(n, k, p, seed=1)
    assert abs(np.mean([d for _, d in ours.degree()]) - k) < 0.1
    assert abs(nx.average_clustering(ours) - nx.average_clustering(reference)) < 0.03
    # small world: short paths, far more clustering than a random graph of the same density
    assert nx.average_clustering(ours) > 10 * k / n


def test_household_ties_are_cliques():
    household = np.array([0, 0, 0, 1, 2, 2, 3, 3, 3, 3])
    src, dst = household_ties(household)
    g = SocialNetwork(len(household), src, dst, np.full(len(src), HOUSEHOLD)).to_networkx(np.ones(len(household), bool))
    for h in range(4):
        members = np.flatnonzero(household == h)
        sub = g.subgraph(members.tolist())
        assert sub.number_of_edges() == len(members) * (len(members) - 1) // 2


def test_share_of_ties_is_one_sparse_product_and_matches_a_loop():
    rng = np.random.default_rng(3)
    n = 300
    village = rng.integers(0, 3, n)
    hs, hd = household_ties(rng.integers(0, 90, n))
    vs, vd = village_small_world(village, 4, 0.2, rng)
    net = SocialNetwork(n, np.r_[hs, vs], np.r_[hd, vd], np.r_[np.full(len(hs), HOUSEHOLD), np.full(len(vs), VILLAGE)])
    net.add_ties(np.array([0, 1]), np.array([5, 6]), 2)
    alive = rng.random(n) < 0.95
    away = rng.random(n) < 0.4
    net.prune(alive)
    share = net.share_of_ties(away, alive)
    g = net.to_networkx(alive)
    for i in np.flatnonzero(alive)[:50]:
        nbrs = [j for j in g.neighbors(i)]
        # multiplicity: duplicates count twice in the matrix; compare with the matrix row instead when present
        row = np.r_[net.base.indices[net.base.indptr[i]: net.base.indptr[i + 1]][net.base.data[net.base.indptr[i]: net.base.indptr[i + 1]] > 0],
                    net.extra.indices[net.extra.indptr[i]: net.extra.indptr[i + 1]]]
        row = row[alive[row]]
        expected = away[row].mean() if len(row) else 0.0
        assert np.isclose(share[i], expected)
        assert set(nbrs) == set(row.tolist()) - {i}


def test_leavers_cut_village_ties_symmetrically_and_keep_household_ties():
    rng = np.random.default_rng(4)
    n = 500
    household = np.arange(n) // 4
    hs, hd = household_ties(household)
    vs, vd = village_small_world(np.zeros(n, np.int64), 6, 0.1, rng)
    net = SocialNetwork(n, np.r_[hs, vs], np.r_[hd, vd], np.r_[np.full(len(hs), HOUSEHOLD), np.full(len(vs), VILLAGE)])
    leavers = np.arange(0, n, 3)
    net.cut_village_ties(leavers, 1.0, rng)
    dense = net.base.toarray()
    assert np.array_equal(dense, dense.T)
    for i in leavers:  # a leaver keeps exactly its household ties
        assert set(np.flatnonzero(dense[i])) == set(np.flatnonzero(household == household[i])) - {i}
