"""Scale-out on Dask: extraction and serialisation as Dask tasks over batches of papers.

`dask_shards(scheduler)` returns an executor for `kg.build.build(..., shards=...)`: each batch runs
`kg.shard.process_batch` on a Dask worker (the pipeline is loaded once per worker by a worker
plugin) and comes back as N-Triples, which the build bulk-loads. The unit of work is the same as a
local build's, so the graph is the same. `--shards-dir` also keeps the N-Triples shards as files,
ready to push to an external store.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from kg.errors import KgError
from kg.model import Paper
from kg.outputs import WRITTEN_RECORD, atomic_folder, check_writable_beside, versions_dir
from kg.shard import ShardStats

SHARDS_MARKER = ".kg-shards"  # written into every shards folder: "kg wrote this folder"
SHARD_NAME = re.compile(r"shard-\d{6,}\.nt")


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
    """An executor for build(shards=...): batches in, (N-Triples, stats) out, computed on Dask.
    `shards_dir` is written whole through a staging folder and replaces the shards of an earlier
    run (none left behind to be pushed twice); a folder holding anything else is refused, before any work."""
    if shards_dir:
        check_shards_target(shards_dir)

    def run(batches: Iterator[list[Paper]]) -> Iterable[tuple[bytes, ShardStats]]:
        with atomic_folder(shards_dir, marker=SHARDS_MARKER, known=shard_names) if shards_dir else nullcontext() as out_dir:
            yield from computed(batches, out_dir)

    def computed(batches: Iterator[list[Paper]], out_dir: Path | None) -> Iterator[tuple[bytes, ShardStats]]:
        from distributed import as_completed

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


def check_shards_target(out: str | Path) -> None:
    """Raise KgError unless `out` is absent, empty, or a shards folder kg wrote (its marker, or only shards)."""
    out = Path(out)
    check_writable_beside(out)
    if not (out.exists() or out.is_symlink()):
        return
    if out.is_dir() and not out.is_symlink():
        names = [p.name for p in out.iterdir()]
        if all(n in (SHARDS_MARKER, WRITTEN_RECORD) or SHARD_NAME.fullmatch(n) for n in names):
            return
    raise KgError(f"{out}: not a shards folder kg wrote (it holds other files, or is a file or a link); kg replaces "
                  "only what it wrote: choose another --shards-dir")


def check_shards_apart(shards_dir: str | Path, out: str | Path) -> None:
    """Raise KgError when the shards folder and the graph `out` (its link, its builds folder, the
    build it points to) are one folder or one holds the other: `--shards-dir g --out g` ran the whole
    build and then failed to publish ("Is a directory"); shards inside the build went with it."""
    shards, graph = Path(os.path.abspath(shards_dir)), Path(os.path.abspath(out))
    places = {graph, versions_dir(graph), graph.resolve()}
    for here in {shards, shards.resolve()}:
        for place in places:
            if here == place or place in here.parents or here in place.parents:
                raise KgError(f"--shards-dir {shards_dir}: the folder of the graph --out {out}, inside it or holding "
                              "it, which the build writes whole: choose a --shards-dir beside the graph")


def shard_names(folder: Path) -> set[str]:
    """The shards in a shards folder: what kg removes with it when the next run replaces it."""
    return {name for name in os.listdir(folder) if SHARD_NAME.fullmatch(name)}


def _collect(future, out_dir: Path | None, index: int) -> tuple[bytes, ShardStats]:
    """The result of one batch; its N-Triples also go to shard-<batch number>.nt in `out_dir`."""
    data, stats = future.result()
    future.release()
    if out_dir is not None:
        (out_dir / f"shard-{index:06d}.nt").write_bytes(data)
    return data, stats
