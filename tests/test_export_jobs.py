"""An export too large to write while the person waits (issue 17): the page queues it and sends
the person to its own page, which refreshes until the scheduler has written the file, then offers
it; a second click joins the same job; only its owner sees it; the file is the same as the one
written at once; old files are removed, a job cut off by a restart is marked failed.

The data are test_exports' (`data`): four updates, on 08/06/2026."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from tests.helpers import page, plain, signed_in
from tests.test_exports import csv_rows, data, export_url, xlsx_sheet  # noqa: F401  (fixtures)
from tracker.core.time import now
from tracker.exports import jobs
from tracker.exports.models import DONE, FAILED, QUEUED, RUNNING, ExportJob
from tracker.extensions import db


def job_count() -> int:
    return db.session.scalar(select(func.count(ExportJob.id)))


def test_a_large_export_is_written_in_the_background_and_downloaded_from_its_page(data, app, plan):
    committee = signed_in(app, "committee")
    at_once = csv_rows(committee.get(export_url(plan, "updates.csv", "unit=phong-vh-xh")))
    assert len(at_once) == 4  # the header and three updates of Phòng VH-XH

    app.config["EXPORT_INLINE_ROWS"] = 2  # three rows are "large" now
    asked = committee.get(export_url(plan, "updates.csv", "unit=phong-vh-xh"))
    assert asked.status_code == 303
    job_page = asked.headers["Location"]
    waiting = page(committee, job_page)
    assert 'http-equiv="refresh"' in waiting and 'data-status="queued"' in waiting
    assert "3 dòng" in plain(waiting) and "Đang chuẩn bị tệp" in plain(waiting)
    # A second click (or the back button and a new click) joins the same job.
    assert committee.get(export_url(plan, "updates.csv", "unit=phong-vh-xh")).headers["Location"] == job_page
    assert job_count() == 1
    # Other filters are another export.
    other = committee.get(export_url(plan, "updates.csv", "unit=tram-y-te"))
    assert other.status_code == 200  # one row: written at once
    committee.get(export_url(plan, "updates.xlsx"))
    assert job_count() == 2

    # Someone else never sees it.
    chair = signed_in(app, "chair")
    assert chair.get(job_page).status_code == 404
    assert chair.get(job_page + "/file").status_code == 404
    assert committee.get(job_page + "/file").status_code == 404  # not written yet

    assert jobs.run_pending(now()) == 2
    ready = page(committee, job_page)
    assert 'data-status="done"' in ready, ready
    assert 'http-equiv="refresh"' not in ready, ready[:1500]
    assert "cap-nhat-tien-do.csv" in ready
    download = committee.get(job_page + "/file")
    assert download.status_code == 200
    assert "cap-nhat-tien-do.csv" in download.headers["Content-Disposition"]
    download.mimetype = "text/csv"
    assert csv_rows(download) == at_once  # the same file as one written at once

    workbook_job = db.session.scalar(select(ExportJob).where(ExportJob.fmt == "xlsx"))
    assert workbook_job.status == DONE and workbook_job.rows == 4
    workbook = committee.get(f"/plans/{plan.id}/exports/jobs/{workbook_job.id}/file")
    workbook.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = xlsx_sheet(workbook)
    assert sheet.max_row >= 4 + 1


def test_a_job_runs_as_its_owner_in_the_owners_language(data, app, plan):
    app.config["EXPORT_INLINE_ROWS"] = 1
    english = signed_in(app, "committee", language="en")
    english.get(export_url(plan, "updates.csv"))
    vietnamese = signed_in(app, "secretariat")
    vietnamese.get(export_url(plan, "updates.csv"))
    assert sorted(db.session.scalars(select(ExportJob.locale))) == ["en", "vi"]
    jobs.run_pending(now())
    by_user = {job.user_id: job for job in db.session.scalars(select(ExportJob))}
    assert len(by_user) == 2 and all(job.status == DONE for job in by_user.values())
    headers = sorted(jobs.path_of(job).read_bytes().decode("utf-8-sig").splitlines()[0] for job in by_user.values())
    assert headers[0].startswith("Thời gian") or headers[1].startswith("Thời gian")
    assert headers[0].startswith("When") or headers[1].startswith("When")


def test_a_job_cut_off_is_failed_and_old_files_are_removed(data, app, plan, user_of):
    app.config["EXPORT_INLINE_ROWS"] = 1
    committee = signed_in(app, "committee")
    job_page = committee.get(export_url(plan, "updates.csv")).headers["Location"]
    jobs.run_pending(now())
    done = db.session.scalar(select(ExportJob))
    assert jobs.path_of(done).is_file()

    stuck = ExportJob(
        plan_id=plan.id,
        user_id=user_of("committee").id,
        endpoint="exports.updates",
        fmt="xlsx",
        args={},
        status=RUNNING,
        rows=9,
        created_at=now() - timedelta(hours=3),
        started_at=now() - timedelta(hours=3),
    )
    db.session.add(stuck)
    db.session.commit()
    assert jobs.run_pending(now()) == 0
    db.session.refresh(stuck)
    assert stuck.status == FAILED
    failed_page = plain(page(committee, f"/plans/{plan.id}/exports/jobs/{stuck.id}"))
    assert "Không chuẩn bị được tệp" in failed_page

    # A week later both are gone, with the file.
    assert jobs.remove_old(now() + timedelta(days=app.config["EXPORT_KEEP_DAYS"], hours=4)) == 2
    assert job_count() == 0 and not jobs.path_of(done).exists()
    assert committee.get(job_page).status_code == 404
    assert QUEUED not in {job.status for job in db.session.scalars(select(ExportJob))}


def test_the_command_writes_the_queued_exports(data, app, plan, cli):
    app.config["EXPORT_INLINE_ROWS"] = 1
    del app.config["FROZEN_NOW"]  # the command's clock is the machine's: the job is asked today
    asked = signed_in(app, "committee").get(export_url(plan, "tasks.csv"))
    assert asked.status_code == 303, asked.status_code
    result = cli.invoke(args=["exports", "run"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(ExportJob.status)) == DONE
    assert "1" in result.output


def test_a_job_of_a_closed_account_fails_and_never_runs_as_someone_else(data, app, plan, user_of):
    """Two jobs in one run: the second one's account was closed after asking. It fails; it is not
    written as the person whose job ran just before."""
    app.config["EXPORT_INLINE_ROWS"] = 1
    signed_in(app, "committee").get(export_url(plan, "updates.csv"))
    assert signed_in(app, "secretariat").get(export_url(plan, "updates.csv", "unit=phong-vh-xh")).status_code == 303
    user_of("secretariat").active = False
    db.session.commit()
    assert jobs.run_pending(now()) == 2
    by_user = {job.user_id: job for job in db.session.scalars(select(ExportJob))}
    assert by_user[user_of("committee").id].status == DONE
    closed = by_user[user_of("secretariat").id]
    assert closed.status == FAILED and not jobs.path_of(closed).exists()


def test_a_job_is_taken_by_one_runner_only(data, app, plan):
    app.config["EXPORT_INLINE_ROWS"] = 1
    signed_in(app, "committee").get(export_url(plan, "updates.csv"))
    job_id = db.session.scalar(select(ExportJob.id))
    assert jobs._claim(job_id, now()) is True
    assert jobs._claim(job_id, now()) is False  # the scheduler and a command never both write it
    assert jobs.run_pending(now()) == 0
