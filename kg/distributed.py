"""Scale-out on Dask: extraction and serialisation as Dask tasks over batches of papers.

`dask_shards(scheduler)` returns an executor for `kg.build.build(..., shards=...)`: each batch runs
`kg.shard.process_batch` on a Dask worker (the pipeline is loaded once per worker by a worker
plugin) and comes back as N-Triples, which the build bulk-loads. The unit of work is the same as a
local build's, so the graph is the same. `--shards-dir` also keeps the N-Triples shards as files,
ready to push to an external store.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import KgError
from kg.model import Paper
from kg.shard import ShardStats


def _plugin(pipeline: str, min_confidence: float = 0.0):
    """A worker plugin that loads the extraction pipeline in every worker process, once."""
    from distributed import WorkerPlugin

    class PipelinePlugin(WorkerPlugin):
        name = "kg-pipeline"

        def setup(self, worker) -> None:
            from kg.shard import init_worker

            init_worker(pipeline, min_confidence)

    return PipelinePlugin()


@contextmanager
def client_for(scheduler: str, workers: int = 2):
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise KgError("Dask is not installed: pip install 'kg-lit[dask]'") from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster = None
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise KgError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _task(papers: list[Paper]) -> tuple[bytes, ShardStats]:
    from kg.shard import process_batch

    return process_batch(papers)


def dask_shards(scheduler: str, pipeline: str | Path, *, workers: int = 2, shards_dir: str | Path | None = None,
                window: int | None = None, min_confidence: float = 0.0):
    """An executor for build(shards=...): batches in, (N-Triples, stats) out, computed on Dask."""

    def run(batches: Iterator[list[Paper]]) -> Iterable[tuple[bytes, ShardStats]]:
        from distributed import as_completed

        out_dir = Path(shards_dir) if shards_dir else None
        if out_dir:
            out_dir.mkdir(parents=True, exist_ok=True)
        with client_for(scheduler, workers) as client:
            client.register_plugin(_plugin(str(pipeline), min_confidence), name="kg-pipeline")
            # a bounded window of futures: the input is read only as fast as the workers take it
            limit = window or 4 * max(1, len(client.scheduler_info()["workers"]))
            pending = as_completed()
            index_of = {}
            for index, batch in enumerate(batches):
                future = client.submit(_task, batch, pure=False)
                index_of[future] = index
                pending.add(future)
                while pending.count() >= limit:
                    future = next(pending)
                    yield _collect(future, out_dir, index_of.pop(future))
            for future in pending:
                yield _collect(future, out_dir, index_of.pop(future))

    return run


def _collect(future, out_dir: Path | None, index: int) -> tuple[bytes, ShardStats]:
    """The result of one batch; its N-Triples also go to shard-<batch number>.nt in `out_dir`."""
    data, stats = future.result()
    future.release()
    if out_dir is not None:
        (out_dir / f"shard-{index:06d}.nt").write_bytes(data)
    return data, stats
