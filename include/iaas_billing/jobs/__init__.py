"""Jobs that change the warehouse: the pipeline, the bill run, the transform, what-if; and their hand-overs."""
