"""collectbatch: a rules-as-data collections engine for service businesses."""

__version__ = "0.1.0"
