"""SPARQL: the registry of .rq files, the gate, the sandbox, the engines, binding and running
(run), name resolution, results."""
