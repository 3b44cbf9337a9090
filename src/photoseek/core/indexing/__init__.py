"""Indexing: scanner (walk) -> reconcile (pure diff) -> planner (work per model) -> pipeline (decode || embed ->
commit); the indexer runs full scans, path syncs and moves under the writer lock."""
