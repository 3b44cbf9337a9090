"""Watching: observers (the only watchdog importer) feed changes (settle, de-duplicate); the worker applies batches
through the indexer; a session ties them together and keeps the cross-process watch record."""
