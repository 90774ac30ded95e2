"""Self-contained HTML views of the graph (network page, layout, matrix) and their template."""

#: The whole view's default node limit on a page (``emg-kg viz whole --limit``, ``emg-kg
#: demo``, the web app): the shipped report's whole graph (748 entities) stays whole; a
#: corpus's (100,000+ entities at 2 M quads) is drawn as its most connected entities, with a
#: notice saying how many are left out (:func:`emg_kg.analysis.projection.whole`). Kept here,
#: in a module that imports nothing, so the command line's help can name it cheaply.
WHOLE_LIMIT = 2000
