"""A test hook that holds a build at a named stage, so a fault test can kill it exactly there.

With KG_TEST_PAUSE_AT=STAGE in the environment, the build writes STAGE to the file named by
KG_TEST_PAUSE_MARKER when it reaches that stage, then sleeps until it is killed. Without the
variable (every ordinary run) `pause_point` returns at once.
"""
from __future__ import annotations

import os
import time

PAUSE_AT = "KG_TEST_PAUSE_AT"
PAUSE_MARKER = "KG_TEST_PAUSE_MARKER"
# the stages a build can be held at, in the order it reaches them
STAGES = ("seed", "load", "counts", "exports", "report", "view", "publish", "sweep")
# any single file kg writes (kg.outputs.atomic_file: an export, a view, extractions), held whole
# but not yet renamed into place
FILE_STAGE = "file"
# a folder output (kg.outputs.atomic_folder: a report, a pipeline, shards) swapped in, the old one
# beside it under its staging name, not yet cleared
FOLDER_STAGE = "folder"


def pause_point(stage: str) -> None:
    if os.environ.get(PAUSE_AT) != stage:
        return
    marker = os.environ.get(PAUSE_MARKER)
    if marker:  # written whole, then renamed: a test waiting for the file never reads it empty
        with open(marker + ".tmp", "w") as fh:
            fh.write(stage)
        os.replace(marker + ".tmp", marker)
    while True:  # until the test kills the process
        time.sleep(60)
