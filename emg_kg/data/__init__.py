"""The dataset: the report's text parsed and translated, built into quads with the curated
TriG, validated, cached as a store; the BIP import."""
