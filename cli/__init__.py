"""The `mineflow` command: run the product, the worker or the API; migrate and seed; administer."""
