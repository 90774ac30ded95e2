"""Self-contained HTML views of the graph (network page, layout, matrix) and their template."""
