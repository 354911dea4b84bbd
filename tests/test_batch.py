"""Batch runs: tables, isolation of bad pages, determinism, kill -9 and resume, Dask, stitching."""

import datetime
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from baozhi.batch import Config, run_batch
from baozhi.cli import main

PATTERN = "{paper}/{yyyy}-{mm}-{dd}/{page}.txt"
RULES = Config(extractor="rules")  # batch mechanics: the rules start fastest in each worker


def page_text(i: int) -> str:
    return (f"全省经济运行情况第{i}期\n\n上半年，全省实现营业收入{100 + i}亿元，同比增长{i % 9}.5%，"
            f"增速较一季度提高0.{i % 7 + 1}个百分点。\n会议强调，要加快推进重点项目建设。\n")


def make_archive(root: Path, n: int, broken: tuple[int, ...] = ()) -> Path:
    encodings = ["utf-8", "utf-8-sig", "gb18030", "big5"]
    for i in range(n):
        path = root / "paper" / f"2024-03-{i // 4 + 1:02d}" / f"{i % 4 + 1}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        text = page_text(i)
        if encodings[i % 4] == "big5":
            from opencc import OpenCC

            text = OpenCC("s2t").convert(text)
        data = bytes(range(256)) * 8 if i in broken else text.encode(encodings[i % 4])
        path.write_bytes(data)
    return root


def tables(out: Path) -> dict[str, list[dict]]:
    return {name: pq.read_table(out / name).to_pylist() for name in ("articles", "facts", "directives", "entities")}


def test_batch_tables_and_error_isolation(tmp_path):
    archive = make_archive(tmp_path / "in", 8, broken=(5,))
    out = tmp_path / "out"
    summary = run_batch([str(archive)], out, pattern=PATTERN, chunk_size=3, quiet=True, config=RULES)
    assert (summary.pages, summary.failed) == (8, 1)
    errors = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines()]
    assert [e["id"] for e in errors] == ["paper/2024-03-02/2.txt"] and "not text" in errors[0]["reason"]
    docs = [json.loads(x) for x in (out / "documents.jsonl").read_text().splitlines()]
    assert len(docs) == 7 and {d["source"]["encoding"] for d in docs} == {"utf-8", "utf-8-sig", "gb18030", "big5"}
    t = tables(out)
    assert len(t["articles"]) == 7 and len(t["directives"]) == 7
    facts = [f for f in t["facts"] if f["value_unit"] == "元"]
    assert len(facts) == 7 and facts[0]["paper"] == "paper" and facts[0]["date"] == datetime.date(2024, 3, 1)
    assert facts[0]["value_exact"] == "10000000000" and facts[0]["change_exact"] == "0.5"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["failed"] == 1 and manifest["succeeded"] == 7 and len(manifest["inputs"]) == 8
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_completed_run_exits_0_with_failures_recorded_and_rerun_changes_nothing(tmp_path):
    archive = make_archive(tmp_path / "in", 4, broken=(1, 2))
    out = tmp_path / "out"
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out), "--quiet"]) == 0
    assert len((out / "errors.jsonl").read_text().splitlines()) == 2
    stamp = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out), "--quiet", "--strict"]) == 1
    assert stamp == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_worker_count_does_not_change_the_tables(tmp_path):
    archive = make_archive(tmp_path / "in", 10)
    one, two = tmp_path / "one", tmp_path / "two"
    run_batch([str(archive)], one, workers=1, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    run_batch([str(archive)], two, workers=2, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    for rel in ["documents.jsonl", "facts/part-00003.parquet", "articles/part-00000.parquet",
                "entities/part-00004.parquet", "articles_stitched.parquet"]:
        assert (one / rel).read_bytes() == (two / rel).read_bytes(), rel


def test_kill_9_then_resume_gives_every_page_exactly_once(tmp_path):
    archive = make_archive(tmp_path / "in", 40)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "baozhi.cli", "batch", "--extractor", "rules", str(archive), "--out", str(out), "--chunk-size", "1",
           "--path-pattern", PATTERN, "--quiet"]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list((out / "_work" / "done").glob("*.json"))) < 5 and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "manifest.json").exists()
    visible = [p for p in out.rglob("*") if p.is_file() and not p.name.startswith(".")]
    for p in visible:
        if p.suffix == ".parquet":
            pq.read_table(p)  # every visible part is whole
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out)]) == 2  # refuses: unfinished run needs --resume
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out), "--resume", "--chunk-size", "1", "--path-pattern", PATTERN,
                 "--quiet"]) == 0
    docs = [json.loads(x)["page"]["id"] for x in (out / "documents.jsonl").read_text().splitlines()]
    assert len(docs) == 40 and len(set(docs)) == 40
    t = tables(out)
    keys = [(r["page_id"], r["article_index"]) for r in t["articles"]]
    assert len(keys) == len(set(keys)) == 40
    assert len({(r["page_id"], r["metric_start"]) for r in t["facts"]}) == len(t["facts"]) == 80  # value+change, then the rate change
    clean = tmp_path / "clean"
    run_batch([str(archive)], clean, pattern=PATTERN, chunk_size=1, quiet=True, config=RULES)
    assert (clean / "documents.jsonl").read_bytes() == (out / "documents.jsonl").read_bytes()


def test_dask_local_cluster_equals_local_engine(tmp_path):
    pytest.importorskip("dask.distributed")
    archive = make_archive(tmp_path / "in", 6)
    local, dask = tmp_path / "local", tmp_path / "dask"
    run_batch([str(archive)], local, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    run_batch([str(archive)], dask, engine="dask", workers=1, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    assert tables(local) == tables(dask)
    assert (local / "documents.jsonl").read_bytes() == (dask / "documents.jsonl").read_bytes()


def test_continuations_are_stitched_across_pages(tmp_path):
    day = tmp_path / "in" / "ribao" / "2024-05-06"
    day.mkdir(parents=True)
    (day / "1.txt").write_text("数字经济加快发展\n\n上半年，全市数字经济核心产业增加值增长8.0%。（下转第4版）\n", encoding="utf-8")
    (day / "4.txt").write_text("（上接第1版）会议强调，要加快培育新业态。\n\n另一篇报道\n\n本报讯 图书馆开馆。\n", encoding="utf-8")
    out = tmp_path / "out"
    run_batch([str(tmp_path / "in")], out, pattern=PATTERN, quiet=True, config=RULES)
    stitched = pq.read_table(out / "articles_stitched.parquet").to_pylist()
    assert len(stitched) == 1
    assert stitched[0]["title"] == "数字经济加快发展"
    assert [(p["page"], p["article_index"]) for p in stitched[0]["parts"]] == [(1, 0), (4, 0)]


def test_jsonl_archive_with_metadata_and_a_bad_record(tmp_path):
    archive = tmp_path / "pages.jsonl"
    records = [{"id": f"p{i}", "text": page_text(i), "paper": "wanbao", "date": "2024-02-01", "page": i + 1}
               for i in range(3)]
    archive.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n{not json\n",
                       encoding="utf-8")
    out = tmp_path / "out"
    summary = run_batch([str(archive)], out, quiet=True, config=Config())
    assert (summary.pages, summary.failed) == (4, 1)
    arts = tables(out)["articles"]
    assert [(a["page_id"], a["paper"], a["page"]) for a in arts] == [("p0", "wanbao", 1), ("p1", "wanbao", 2),
                                                                     ("p2", "wanbao", 3)]


def test_a_run_cannot_be_resumed_with_other_model_settings(tmp_path):
    """Triage changes the model's output: it is part of the run's plan (as int8 is of the model's name)."""
    from baozhi.batch import BatchError

    archive = make_archive(tmp_path / "in", 2)
    out = tmp_path / "out"
    run_batch([str(archive)], out, pattern=PATTERN, quiet=True, config=Config(extractor="model", triage="paragraph"))
    plan = json.loads((out / "manifest.json").read_text())["plan"]
    assert plan["triage"] == "paragraph" and not plan["extractor"].endswith("+int8")
    with pytest.raises(BatchError):
        run_batch([str(archive)], out, pattern=PATTERN, quiet=True, resume=True, config=Config(extractor="model"))
    rules = run_batch([str(archive)], tmp_path / "rules", pattern=PATTERN, quiet=True, config=Config(extractor="rules"))
    assert rules.failed == 0 and "triage" not in json.loads((tmp_path / "rules" / "manifest.json").read_text())["plan"]


def _wait_for(predicate, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline and not predicate():
        time.sleep(0.05)
    return predicate()


def test_killing_the_driver_kills_its_workers_and_a_live_worker_blocks_the_next_run(tmp_path):
    from baozhi.batch import BatchError, live_workers

    archive = make_archive(tmp_path / "in", 24)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "baozhi.cli", "batch", "--extractor", "rules", str(archive), "--out", str(out), "--chunk-size", "1",
           "--workers", "2", "--path-pattern", PATTERN, "--quiet"]
    proc = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    workers = out / "_work" / "workers"
    assert _wait_for(lambda: len(list(workers.glob("*"))) == 2 or proc.poll() is not None)
    assert proc.poll() is None, "the run finished before it could be killed"
    pids = [int(p.name) for p in workers.glob("*")]
    os.kill(proc.pid, signal.SIGKILL)  # the driver only
    proc.wait()
    assert _wait_for(lambda: not live_workers(out), timeout=10), f"workers {pids} outlived their driver"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:  # a worker of an earlier run that still lives: the next run must not write beside it
        (workers / str(sleeper.pid)).write_text("1")
        with pytest.raises(BatchError, match=f"worker process {sleeper.pid} .* still running"):
            run_batch([str(archive)], out, resume=True, pattern=PATTERN, chunk_size=1, quiet=True, config=RULES)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out), "--resume", "--chunk-size", "1", "--path-pattern", PATTERN,
                 "--quiet"]) == 0
    assert len((out / "documents.jsonl").read_text().splitlines()) == 24


def test_a_deleted_part_is_never_reported_complete_and_resume_rebuilds_it(tmp_path, capsys):
    archive = make_archive(tmp_path / "in", 8)
    out, clean = tmp_path / "out", tmp_path / "clean"
    run_batch([str(archive)], out, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    run_batch([str(archive)], clean, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    (out / "facts" / "part-00001.parquet").unlink()
    args = ["batch", "--extractor", "rules", str(archive), "--out", str(out), "--chunk-size", "2", "--path-pattern", PATTERN, "--quiet"]
    assert main(args) == 2
    assert "facts/part-00001.parquet is missing" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert (out / "facts" / "part-00001.parquet").read_bytes() == (clean / "facts" / "part-00001.parquet").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows"] == json.loads((clean / "manifest.json").read_text())["rows"]


def test_an_input_edited_between_kill_and_resume_is_refused(tmp_path, capsys):
    archive = make_archive(tmp_path / "in", 8)
    out = tmp_path / "out"
    run_batch([str(archive)], out, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    (out / "manifest.json").unlink()  # as if killed before finalize
    edited = sorted(archive.rglob("*.txt"))[3]
    edited.write_bytes(edited.read_bytes() + b"\n")
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out), "--resume", "--chunk-size", "2", "--path-pattern",
                 PATTERN, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(edited) in err and "changed since the run began" in err and err.count("\n") == 1


def test_os_errors_get_one_line_exit_3_and_leave_no_temporary_file(tmp_path, monkeypatch, capsys):
    archive = make_archive(tmp_path / "in", 2)
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    assert main(["extract", str(next(archive.rglob("*.txt"))), "-o", str(blocker / "out.json")]) == 3
    err = capsys.readouterr().err
    assert str(blocker) in err and err.count("\n") == 1 and "Traceback" not in err
    real_fsync = os.fsync

    def full_disk(fd):
        if "documents.jsonl" in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    out = tmp_path / "out"
    assert main(["batch", "--extractor", "rules", str(archive), "--out", str(out), "--path-pattern", PATTERN, "--quiet"]) == 3
    assert "No space left on device" in capsys.readouterr().err
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")] and not (out / "manifest.json").exists()


def test_one_writer_per_output_and_a_stale_lock_is_taken_over(tmp_path):
    from baozhi.batch import BatchError

    archive = make_archive(tmp_path / "in", 2)
    out = tmp_path / "out"
    run_batch([str(archive)], out, pattern=PATTERN, quiet=True, config=RULES)
    (out / "manifest.json").unlink()  # an unfinished run
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / "_work" / "driver").write_text(str(sleeper.pid))
        with pytest.raises(BatchError, match=f"another baozhi batch \\(pid {sleeper.pid}\\)"):
            run_batch([str(archive)], out, resume=True, pattern=PATTERN, quiet=True, config=RULES)
    finally:
        sleeper.kill()
        sleeper.wait()
    # the driver is gone: its lock is stale, and a new run takes the folder over
    assert run_batch([str(archive)], out, resume=True, pattern=PATTERN, quiet=True, config=RULES).failed == 0
    assert not (out / "_work" / "driver").exists()


def test_fault_injection_suite_short_run_loses_and_duplicates_nothing():
    """One trial of each fault of bench/faults.py on a small archive (the full run: 300 pages, 24 trials)."""
    script = Path(__file__).resolve().parent.parent / "bench" / "faults.py"
    done = subprocess.run([sys.executable, str(script), "--pages", "24", "--trials", "8", "--workers", "2"],
                          capture_output=True, text=True, timeout=900)
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 8 and done.returncode == 0, done.stdout + done.stderr[-2000:]


def faulty_worker(conn, out, config, parent):
    """A worker whose pages misbehave on request: HOG allocates 1.5 GB, CRASH segfaults the process,
    HANG sleeps with SIGALRM blocked (only the supervisor's kill ends it)."""
    import baozhi.batch as batch

    real = batch._extract

    def extract(ref, config):
        text = Path(ref.path).read_text(encoding="utf-8", errors="replace")
        if "HOG" in text:
            hog = b"x" * (1536 * 1024 * 1024)  # touched, so resident
            time.sleep(5)
            del hog
        if "CRASH" in text:
            os.kill(os.getpid(), signal.SIGSEGV)
        if "HANG" in text:
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(60)
        return real(ref, config)

    batch._extract = extract
    batch._worker_main(conn, out, config, parent)


@pytest.mark.parametrize("workers", [1, 2])
def test_pages_over_a_bound_or_that_kill_their_worker_fail_alone(tmp_path, monkeypatch, workers):
    from baozhi.batch import Supervisor

    monkeypatch.setattr(Supervisor, "worker", staticmethod(faulty_worker))
    monkeypatch.setattr(Supervisor, "GRACE", 0.5)
    archive = make_archive(tmp_path / "in", 8)
    pages = sorted(archive.rglob("*.txt"))
    for page, word in zip([pages[1], pages[4], pages[6]], ["HOG", "CRASH", "HANG"], strict=True):
        page.write_text(page_text(0) + word, encoding="utf-8")
    out = tmp_path / "out"
    config = Config(extractor="rules", timeout=2, max_memory=1024)
    summary = run_batch([str(archive)], out, workers=workers, pattern=PATTERN, chunk_size=3, quiet=True, config=config)
    assert (summary.pages, summary.failed) == (8, 3)
    reasons = {json.loads(x)["id"]: json.loads(x)["reason"] for x in (out / "errors.jsonl").read_text().splitlines()}
    rel = {p: p.relative_to(archive).as_posix() for p in pages}
    assert reasons == {rel[pages[1]]: "over the memory bound (1024 MB resident)",
                       rel[pages[4]]: "worker process died (signal SIGSEGV); retried once",
                       rel[pages[6]]: "timeout after 2s"}
    docs = [json.loads(x)["page"]["id"] for x in (out / "documents.jsonl").read_text().splitlines()]
    assert docs == [rel[p] for p in pages if rel[p] not in reasons]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_a_finished_run_keeps_one_copy_of_its_documents_and_resume_checks_it(tmp_path, capsys):
    archive = make_archive(tmp_path / "in", 8)
    out, clean = tmp_path / "out", tmp_path / "clean"
    run_batch([str(archive)], out, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    run_batch([str(archive)], clean, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    assert not list((out / "_work" / "documents").glob("*"))
    assert run_batch([str(archive)], out, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES).already_complete
    assert not list((out / "_work" / "documents").glob("*"))
    documents = out / "documents.jsonl"
    lines = documents.read_text(encoding="utf-8").splitlines(keepends=True)
    documents.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")  # one page lost in the middle
    args = ["batch", "--extractor", "rules", str(archive), "--out", str(out), "--chunk-size", "2", "--path-pattern", PATTERN, "--quiet"]
    assert main(args) == 2
    assert "documents/part-00001.jsonl was altered" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert documents.read_bytes() == (clean / "documents.jsonl").read_bytes()
    assert not list((out / "_work" / "documents").glob("*"))


def test_a_part_altered_with_the_same_row_count_is_redone_on_resume(tmp_path, capsys):
    archive = make_archive(tmp_path / "in", 8)
    out, clean = tmp_path / "out", tmp_path / "clean"
    run_batch([str(archive)], out, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    run_batch([str(archive)], clean, pattern=PATTERN, chunk_size=2, quiet=True, config=RULES)
    facts = out / "facts"
    (facts / "part-00001.parquet").write_bytes((facts / "part-00002.parquet").read_bytes())  # same rows, other pages
    args = ["batch", "--extractor", "rules", str(archive), "--out", str(out), "--chunk-size", "2", "--path-pattern", PATTERN, "--quiet"]
    assert main(args) == 2
    assert "facts/part-00001.parquet was altered" in capsys.readouterr().err
    assert main(args + ["--resume"]) == 0
    assert (facts / "part-00001.parquet").read_bytes() == (clean / "facts" / "part-00001.parquet").read_bytes()


def test_a_page_with_a_nul_and_a_stray_byte_is_not_lost(tmp_path):
    archive = make_archive(tmp_path / "in", 4)
    page = sorted(archive.rglob("*.txt"))[0]
    data = page.read_bytes()
    cut = data.index("。".encode()) + 3  # between characters: after 。, before the newline
    page.write_bytes(data[:cut] + b"\0" + data[cut:cut + 1] + b"\xff" + data[cut + 1:])
    out = tmp_path / "out"
    assert run_batch([str(archive)], out, pattern=PATTERN, quiet=True, config=RULES).failed == 0
    docs = [json.loads(x) for x in (out / "documents.jsonl").read_text().splitlines()]
    assert [d["source"]["decode_errors"] for d in docs] == [1, 0, 0, 0]
    assert len(tables(out)["facts"]) == 8
