"""Storage, the only sqlite3 / usearch importer: the catalog (source of truth: database, schema, rows, embeddings)
and the vector index per model (a cache rebuilt from the catalog)."""
