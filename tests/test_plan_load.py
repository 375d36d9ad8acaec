"""Loading is idempotent and updates in place; export writes the same format back losslessly."""

from sqlalchemy import func, select

from tests.conftest import PLAN_FILE, clone_database, drop_database, make_app
from tests.helpers import database_snapshot
from tracker.extensions import db
from tracker.plan.models import Assignment, Task
from tracker.planfile.reader import read_plan_file, read_plan_text


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_loading_the_same_file_again_changes_nothing(app, cli):
    before = database_snapshot()
    result = cli.invoke(args=["plan", "load", str(PLAN_FILE)])
    assert result.exit_code == 0, result.output
    assert database_snapshot() == before


def test_a_reload_updates_tasks_in_place(app, cli, tmp_path):
    task_id = db.session.scalar(select(Task.id).where(Task.code == "IV.4.3"))
    tasks_before = count(Task)
    changed = PLAN_FILE.read_text(encoding="utf-8").replace(
        "title: Chính sách hỗ trợ về y tế cho hộ nghèo\n", "title: Chính sách hỗ trợ y tế (sửa)\n"
    )
    path = tmp_path / "plan.yaml"
    path.write_text(changed, encoding="utf-8")

    result = cli.invoke(args=["plan", "load", str(path)])

    assert result.exit_code == 0, result.output
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert task.title == "Chính sách hỗ trợ y tế (sửa)"
    assert count(Task) == tasks_before


def test_a_reload_moves_the_primary_lead(app, cli, tmp_path):
    changed = PLAN_FILE.read_text(encoding="utf-8").replace("lead: [dang-uy, ubnd]", "lead: [ubnd, dang-uy]")
    path = tmp_path / "plan.yaml"
    path.write_text(changed, encoding="utf-8")
    assert cli.invoke(args=["plan", "load", str(path)]).exit_code == 0
    db.session.expire_all()
    task = db.session.scalar(select(Task).where(Task.code == "IV.1"))
    primary = [a.unit.code for a in task.assignments if a.is_primary]
    assert primary == ["ubnd"]
    assert count(Assignment) == 98


def test_a_task_dropped_from_the_file_is_removed(app, cli, tmp_path):
    text = PLAN_FILE.read_text(encoding="utf-8")
    plan_file = read_plan_text(text)
    section_vi = next(t for t in plan_file.plan.tasks if t.code == "VI")
    section_vi.children = [c for c in section_vi.children if c.code != "VI.13"]
    from tracker.planfile.writer import dump_plan_file

    path = tmp_path / "plan.yaml"
    path.write_text(dump_plan_file(plan_file), encoding="utf-8")
    before = database_snapshot()
    refused = cli.invoke(args=["plan", "load", str(path)])
    assert refused.exit_code == 1 and "--allow-removals" in refused.output
    assert database_snapshot() == before

    result = cli.invoke(args=["plan", "load", "--allow-removals", str(path)])
    assert result.exit_code == 0, result.output
    codes = set(db.session.scalars(select(Task.code)))
    assert "VI.13" not in codes and "VI.13.1" not in codes and "VI.12" in codes


def test_a_reload_does_not_silently_undo_a_lead_assigned_in_the_app(app, cli):
    """IV.10.1 has no lead in the plan file; the secretariat assigned one in the app. Loading the
    file again would take it away: refused, and said plainly, unless --allow-removals."""
    from tracker.audit.models import AuditEvent
    from tracker.units.models import Unit

    task = db.session.scalar(select(Task).where(Task.code == "IV.10.1"))
    vhxh = db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh"))
    task.assignments.append(Assignment(unit_id=vhxh.id, role="lead", is_primary=True, sort_order=0))
    db.session.commit()
    before = database_snapshot()

    refused = cli.invoke(args=["plan", "load", str(PLAN_FILE)])
    assert refused.exit_code == 1
    assert "IV.10.1: Phòng Văn hóa – Xã hội" in refused.output and "--allow-removals" in refused.output
    assert database_snapshot() == before

    result = cli.invoke(args=["plan", "load", "--allow-removals", str(PLAN_FILE)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Assignment.id)).where(Assignment.task_id == task.id)) == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.load"))
    assert event.username == "cli" and event.detail["removed"] == {"assignment": 1}
    assert event.detail["removed_assignments"] == ["IV.10.1: Phòng Văn hóa – Xã hội"]


def test_export_then_load_is_lossless(app, cli, tmp_path, template_databases):
    exported = tmp_path / "exported.yaml"
    result = cli.invoke(args=["plan", "export", str(exported)])
    assert result.exit_code == 0, result.output

    # The exported file says exactly what the hand-written one says.
    assert read_plan_file(exported) == read_plan_file(PLAN_FILE)

    # Loaded into an empty database and exported again, it comes out byte for byte the same.
    second = clone_database(template_databases["empty"], tmp_path)
    other_app = make_app(second)
    with other_app.app_context():
        runner = other_app.test_cli_runner()
        assert runner.invoke(args=["plan", "load", str(exported)]).exit_code == 0
        again = tmp_path / "again.yaml"
        assert runner.invoke(args=["plan", "export", str(again)]).exit_code == 0
        db.session.remove()
        db.engine.dispose()
    drop_database(second)
    assert again.read_text(encoding="utf-8") == exported.read_text(encoding="utf-8")


def test_load_if_empty_leaves_an_existing_plan_alone(app, cli, tmp_path):
    changed = PLAN_FILE.read_text(encoding="utf-8").replace("name: Phường Bắc Kạn", "name: Phường Khác")
    path = tmp_path / "plan.yaml"
    path.write_text(changed, encoding="utf-8")
    before = database_snapshot()
    result = cli.invoke(args=["plan", "load", "--if-empty", str(path)])
    assert result.exit_code == 0
    assert database_snapshot() == before


def test_load_if_empty_loads_into_an_empty_database(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["plan", "load", "--if-empty", str(PLAN_FILE)])
    assert result.exit_code == 0, result.output
    assert count(Task) == 54
