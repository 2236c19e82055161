"""jixiao pipeline: CLI, the per-file flow, the record and the validators."""
