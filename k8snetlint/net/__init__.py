"""The connectivity engine: who may talk to whom, on which ports, and why.

``analyze(inventory, config)`` evaluates every NetworkPolicy of the inventory
(docs/semantics.md, NP-1 to NP-25) and the ways in from outside (E-1 to E-3), and returns a
:class:`Connectivity`. One module per job:

* :mod:`~k8snetlint.net.nodes`: the vocabulary (typed nodes, classes, atoms, bitsets);
* :mod:`~k8snetlint.net.compile`: classes and bitsets, compiled once per inventory;
* :mod:`~k8snetlint.net.evaluate`: answers, verdicts and explanations, through an
  ordered per-direction stack of decision layers (NetworkPolicy is one);
* :mod:`~k8snetlint.net.routes`: route resolution (Service, Ingress, hostPort,
  NodePort, LoadBalancer), extensible through a registry of route sources;
* :mod:`~k8snetlint.net.gatewayroutes`: the Gateway API route source (listener ->
  data-plane pods -> Service port -> pods);
* :mod:`~k8snetlint.net.export`: what reporters read (graph, connlist, notes);
* :mod:`~k8snetlint.net.analysis`: the :class:`Connectivity` object assembling them.

How it scales: pods that share namespace, labels, named ports (and, when ipBlocks may
match pods, addresses) behave alike, so they form one *class*. Selectors are evaluated
once each over all classes through label indexes, as Python-int bitsets. Pairs are
only visited to produce output, never to evaluate policies. External addresses are
split into the fewest ranges every ipBlock treats alike (*atoms*).
"""

from __future__ import annotations

from k8snetlint.net.analysis import Connectivity, analyze
from k8snetlint.net.export import INGRESS_CONTROLLER_CONNLIST, GraphSource, connlist_text
from k8snetlint.net.nodes import range_name

__all__ = [
    "INGRESS_CONTROLLER_CONNLIST",
    "Connectivity",
    "GraphSource",
    "analyze",
    "connlist_text",
    "range_name",
]
