"""PhotoSeek: offline photo search by meaning."""
__version__ = "0.1.0"
