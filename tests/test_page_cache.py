"""The committee's dashboard kept rendered until the next write (tracker.core.page_cache), and the
data's version that every committed write moves on (tracker.core.changes)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlalchemy import select, text, update

from tests.helpers import Statements, page, plain, signed_in
from tests.test_progress import post_update as post_progress
from tracker.alerts.services import scan as alert_scan
from tracker.core.changes import INDICATORS, current_version
from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.scheduler.models import SchedulerHeartbeat
from tracker.units.models import Unit

JUNE = "2026-06-20T09:00:00+07:00"


def dashboard(plan) -> str:
    return f"/plans/{plan.id}/dashboard/"


def kept(app):
    return app.extensions["page_cache"]


def morning(app, plan, moment: str = JUNE) -> None:
    """The day's standings stored, as the morning scan leaves them (the first page of a day that
    the scan has not seen computes them, a write), and the kept pages' counts started afresh."""
    app.config["FROZEN_NOW"] = moment
    page(signed_in(app, "admin"), dashboard(plan))
    kept(app).hits = kept(app).misses = 0


def test_a_second_look_at_the_dashboard_reads_the_version_not_the_plan(app, plan):
    morning(app, plan)
    committee = signed_in(app, "committee")
    with Statements(app) as first:
        html = page(committee, dashboard(plan))
    with Statements(app) as second:
        again = page(committee, dashboard(plan))
    assert kept(app).hits == 1 and kept(app).misses == 1
    # The same page, down to every figure and link (the layout's form token aside).
    token = re.compile(r'name="csrf_token" value="[^"]*"')
    assert token.sub("", again) == token.sub("", html)
    assert "Bảng theo dõi của Ban Chỉ đạo" in plain(again)
    # Rendering read the plan's standings, reports, alerts and discussions; the kept body needs the
    # reader (with its unit and roles), the version, the plan (for the reader's rights) and the bell.
    assert len(first) >= 20
    assert len(second) == 4, second
    assert [re.search(r"\bFROM\s+(\S+)", s).group(1).strip('"') for s in second] == [
        "user_account",
        "data_version",
        "plan",
        "notification",
    ]


def test_a_progress_update_posted_in_the_app_shows_on_the_next_dashboard(app, plan):
    morning(app, plan)
    committee = signed_in(app, "committee")
    officer = signed_in(app, "officer")
    before = page(committee, dashboard(plan))
    assert "Đã phát cho 120 hộ" not in before
    version = current_version()
    assert post_progress(officer, plan, "IV.4.1", percent=35, results="Đã phát cho 120 hộ").status_code == 302
    assert current_version() > version
    after = page(committee, dashboard(plan))
    assert "Đã phát cho 120 hộ" in after
    assert kept(app).hits == 0


def test_every_way_of_writing_moves_the_version_once_per_transaction(app, plan):
    start = current_version()
    # Reading, and committing nothing, moves nothing.
    db.session.get(Plan, plan.id)
    db.session.commit()
    assert current_version() == start
    # An object changed through the ORM; setting an attribute to the value it has is no change.
    plan.title = plan.title
    db.session.commit()
    assert current_version() == start
    plan.title = "Kế hoạch (sửa 1)"
    db.session.add(plan)
    db.session.commit()
    assert current_version() == start + 1
    # A statement run through the session, as a construct and as text, twice in one transaction.
    db.session.execute(update(Plan).where(Plan.id == plan.id).values(title="Kế hoạch (sửa 2)"))
    db.session.execute(text("UPDATE plan SET title = 'Kế hoạch (sửa 3)' WHERE id = :id"), {"id": plan.id})
    db.session.commit()
    assert current_version() == start + 2
    # A write rolled back counts for nothing, and leaves no mark on the next transaction.
    db.session.execute(text("UPDATE plan SET title = 'Bỏ đi' WHERE id = :id"), {"id": plan.id})
    db.session.rollback()
    db.session.commit()
    assert current_version() == start + 2
    # The scheduler's heartbeat, every minute, is bookkeeping no page shows: it counts for nothing.
    db.session.add(SchedulerHeartbeat(id=1, beat_at=datetime.now(UTC), host="may-chu", pid=1))
    db.session.commit()
    assert current_version() == start + 2
    # A write inside a savepoint counts when the whole transaction commits.
    with db.session.begin_nested():
        db.session.execute(text("UPDATE plan SET title = 'Kế hoạch (sửa 4)' WHERE id = :id"), {"id": plan.id})
    db.session.commit()
    assert current_version() == start + 3


def test_the_indicators_version_moves_only_with_what_the_shared_totals_are_made_of(app, plan):
    """The indicators' version (row 2) moves with a write to a plan, an indicator, a target, a
    figure, a period or a ward, and with SQL text that names no table plainly; not with a progress
    update, a unit renamed or the standings' own inserts (text naming their table)."""
    start = current_version(INDICATORS)
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == plan.ward_id))
    unit.name = unit.name + " (sửa)"
    db.session.commit()
    db.session.execute(text("DELETE FROM task_standing_lead WHERE task_id = -1"))
    db.session.execute(
        text('INSERT INTO "task_standing_lead" (task_id, plan_id, unit_id, sort_order) SELECT 1, 1, 1, 0 WHERE 1 = 0')
    )
    db.session.commit()
    assert current_version(INDICATORS) == start
    assert current_version() > 0
    db.session.execute(text("UPDATE target SET value = value WHERE id = -1"))
    db.session.commit()
    assert current_version(INDICATORS) == start + 1
    plan.title = "Kế hoạch (sửa)"
    db.session.commit()
    assert current_version(INDICATORS) == start + 2
    # A table not named plainly (here behind a comment) might be any: it counts.
    db.session.execute(text("UPDATE /* the standings */ task_standing SET percent = percent WHERE task_id = -1"))
    db.session.commit()
    assert current_version(INDICATORS) == start + 3


def test_a_title_changed_by_a_statement_and_the_morning_scan_show_on_the_next_dashboard(app, plan):
    app.config["FROZEN_NOW"] = "2026-11-26T09:00:00+07:00"
    committee = signed_in(app, "committee")
    before = page(committee, dashboard(plan))
    assert "Cảnh báo chưa xử lý" not in before
    db.session.execute(update(Plan).where(Plan.id == plan.id).values(title="Kế hoạch đã đổi tên"))
    db.session.commit()
    assert "Kế hoạch đã đổi tên" in page(committee, dashboard(plan))
    # The scan writes its alerts in bulk, in its own transaction.
    alert_scan(plan, date(2026, 11, 26), datetime.fromisoformat("2026-11-26T07:00:00+07:00"))
    db.session.commit()
    assert "Cảnh báo chưa xử lý" in page(committee, dashboard(plan))
    assert kept(app).hits == 0 and kept(app).misses == 3


def test_each_reader_language_day_and_filter_gets_its_own_page(app, plan):
    morning(app, plan)
    committee = signed_in(app, "committee")
    officer = signed_in(app, "officer")
    english = signed_in(app, "committee", language="en")
    assert "Bảng theo dõi của Ban Chỉ đạo" in page(committee, dashboard(plan))
    # The officer may not open the league table: the committee's page is not the officer's.
    league = f'href="/plans/{plan.id}/accountability/"'
    assert league in page(committee, dashboard(plan))
    assert league not in page(officer, dashboard(plan))
    assert "Steering committee dashboard" in page(english, dashboard(plan))
    assert "Hôm nay 20/06/2026" in plain(page(committee, dashboard(plan)))
    filtered = page(committee, dashboard(plan) + "?section=IV")
    assert re.search(r'<details class="mb-3" open>', filtered)
    assert (kept(app).misses, kept(app).hits) == (4, 2)  # committee, officer, English, filtered
    morning(app, plan, "2026-06-21T09:00:00+07:00")
    assert "Hôm nay 21/06/2026" in plain(page(committee, dashboard(plan)))
    assert (kept(app).misses, kept(app).hits) == (1, 0)


def test_the_kept_pages_are_bounded(app, plan):
    app.config.update(FROZEN_NOW=JUNE, PAGE_CACHE_SIZE=2)
    committee = signed_in(app, "committee")
    for section in ("IV", "V", "VI", "IV"):
        page(committee, dashboard(plan) + f"?section={section}")
    assert len(kept(app)._bodies) == 2
    assert kept(app).hits == 0  # IV was dropped before it was asked for again
    page(committee, dashboard(plan) + "?section=IV")
    assert kept(app).hits == 1


def test_no_page_is_kept_when_the_size_is_zero(app, plan):
    app.config.update(FROZEN_NOW=JUNE, PAGE_CACHE_SIZE=0)
    committee = signed_in(app, "committee")
    for _ in range(2):
        assert "Bảng theo dõi của Ban Chỉ đạo" in page(committee, dashboard(plan))
    assert "page_cache" not in app.extensions
