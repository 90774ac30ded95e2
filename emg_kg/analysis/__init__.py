"""Analyses over the graph: projections to networkx views, metrics, describe, gaps, mappings."""
