"""A plan's versions (issue 18): each adopted change is kept with its reason, and anyone reads what
changed from one version to the next."""

from __future__ import annotations

from sqlalchemy import select

from tests.conftest import PLAN_FILE
from tests.helpers import form_values, page, plain, signed_in
from tracker.extensions import db
from tracker.planfile.models import PlanVersion
from tracker.units.models import Unit


def numbers(plan) -> list[tuple[int, str]]:
    return [
        (v.number, v.reason)
        for v in db.session.scalars(
            select(PlanVersion).where(PlanVersion.plan_id == plan.id).order_by(PlanVersion.number)
        )
    ]


def test_a_change_of_units_and_a_reload_are_versions_with_their_reasons(app, plan, cli, tmp_path):
    assert numbers(plan) == [(1, "Nạp tệp kế hoạch bac-kan-2026-2030.yaml")]
    secretariat = signed_in(app, "secretariat")
    # The secretariat adds Trạm Y tế as a partner of IV.4.1.
    url = f"/plans/{plan.id}/tasks/IV.4.1/assignments"
    values = form_values(page(secretariat, url))
    tram = db.session.scalar(select(Unit.id).where(Unit.code == "tram-y-te", Unit.ward_id == plan.ward_id))
    values["partners"] = values.get("partners", []) + [str(tram)]
    assert secretariat.post(url, data=values).status_code == 302
    assert numbers(plan)[-1] == (2, "Đổi đơn vị của nhiệm vụ IV.4.1")
    # Saving the same units again is no new version.
    assert secretariat.post(url, data=values).status_code == 302
    assert len(numbers(plan)) == 2
    # A reload of the plan file with a changed title and a reason: version 3, with that reason.
    edited = tmp_path / "ke-hoach.yaml"
    edited.write_text(
        PLAN_FILE.read_text(encoding="utf-8").replace(
            "title: Kế hoạch thực hiện công tác giảm nghèo bền vững",
            "title: Kế hoạch (điều chỉnh) thực hiện công tác giảm nghèo bền vững",
            1,
        ),
        encoding="utf-8",
    )
    loaded = cli.invoke(
        args=["plan", "load", str(edited), "--allow-removals", "--reason", "Điều chỉnh theo Kết luận của Ban Chỉ đạo"]
    )
    assert loaded.exit_code == 0, loaded.output
    assert numbers(plan)[-1] == (3, "Điều chỉnh theo Kết luận của Ban Chỉ đạo")

    # Anyone reads them: the list, and what each changed.
    officer = signed_in(app, "officer")
    listed = plain(page(officer, f"/plans/{plan.id}/versions"))
    assert "Phiên bản 3" in listed and "Điều chỉnh theo Kết luận của Ban Chỉ đạo" in listed
    assert "3 phiên bản" in plain(page(officer, f"/plans/{plan.id}/"))
    second = page(officer, f"/plans/{plan.id}/versions/2")
    assert "những gì thay đổi so với phiên bản 1" in plain(second)
    assert "<ins" in second and "tram-y-te" in second  # the partner added, as a line of the plan file
    third = page(officer, f"/plans/{plan.id}/versions/3")
    assert "Kế hoạch (điều chỉnh)" in third and "<del" in third
    assert officer.get(f"/plans/{plan.id}/versions/9").status_code == 404


def test_the_secretariat_changes_a_task_with_a_reason_audited_before_and_after(app, plan):
    from tracker.audit.models import AuditEvent
    from tracker.plan.models import Task

    client = signed_in(app, "secretariat")
    url = f"/plans/{plan.id}/tasks/VI.3.2/edit"
    values = form_values(page(client, url))
    assert values["due_on"] == ["31/12/2026"]
    # Dates outside the plan, a due date before the start, no reason: refused, what was typed kept.
    values.update(due_on=["31/12/2031"], reason=["Lùi hạn"])
    refused = client.post(url, data=values)
    assert refused.status_code == 422 and "trong các năm của kế hoạch" in plain(refused.get_data(as_text=True))
    values.update(start_on=["01/06/2027"], due_on=["31/03/2027"])
    assert "không thể trước ngày bắt đầu" in plain(client.post(url, data=values).get_data(as_text=True))
    values.update(start_on=["01/01/2026"], due_on=["30/06/2027"], reason=[""])
    assert "Hãy nêu lý do điều chỉnh" in plain(client.post(url, data=values).get_data(as_text=True))
    # With a reason: saved, audited with before and after, and the plan's next version.
    values["reason"] = ["Lùi hạn theo Kết luận số 12 của Ban Chỉ đạo"]
    assert client.post(url, data=values).status_code == 302
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.code == "VI.3.2"))
    assert str(task.due_on) == "2027-06-30"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "task.edit"))
    assert event.detail["changed"]["due_on"] == ["2026-12-31", "2027-06-30"]
    assert numbers(plan)[-1] == (2, "VI.3.2: Lùi hạn theo Kết luận số 12 của Ban Chỉ đạo")
    # The task page shows it; the officer has no such button.
    assert "30/06/2027" in page(client, f"/plans/{plan.id}/tasks/VI.3.2")
    assert "/edit" not in page(signed_in(app, "officer"), f"/plans/{plan.id}/tasks/VI.3.2")
