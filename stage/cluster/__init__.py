"""Scale-out over Redis Streams and PostgreSQL: stateless API replicas, workers holding
shows by lease, an archiver for the durable logs (see docs/scaling.md)."""

from .keys import ClusterUnavailable
from .worker import Worker, WorkerConfig

__all__ = ["ClusterUnavailable", "Worker", "WorkerConfig"]
