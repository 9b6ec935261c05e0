"""Network analysis of a built graph: NetworkX views (views.py), algorithms (metrics.py), report."""
