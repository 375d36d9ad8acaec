"""Demo activity: a small, invented story of the six-month reporting round of 2026, written through
the app's own services by the demo accounts of `flask users create-demo`, so that someone trying the
app sees the dashboard, the league table, the review queue, the alerts and the ward report with data.

The story, as of 12/06/2026 in the ward (Asia/Ho_Chi_Minh); the units' deadline is 05/06:

- Phòng Văn hóa – Xã hội (demo.canbo) posts progress on IV.4.1, IV.4.2, VI.3.2, VI.3.4 and IV.8
  from February to May; IV.8 is blocked, with a difficulty and a proposal. It enters two indicator
  figures of the period.
- The committee (demo.bancd) asks about IV.8; the unit answers two days later. The chair
  (demo.truongban) directs the unit to finish the list behind IV.8 by 10/06; it is not done yet.
- The unit writes its ONE six-month report (a section for each of the nine tasks it leads, started
  from its updates), saves a draft on 02/06 and submits it on 03/06, on time. The secretariat
  (demo.thuongtruc) returns it on 04/06 with a reason that points at the section on VI.3.2; the unit
  fixes that section and sends it again on 05/06; the secretariat accepts it on 08/06.
- The other units have no demo account: their reports stay missing, as they would.
- The alert scan of 12/06 then raises the alerts and fills everyone's notifications.

Nothing here commits: the command commits once at the end, or not at all. Each step is recorded in
the audit log as done by its demo account at the story's moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from tracker.accounts.models import ROLE_CHAIR, ROLE_COMMITTEE, ROLE_OFFICER, ROLE_SECRETARIAT, User
from tracker.accounts.services import DEMO_ACCOUNTS
from tracker.alerts import services as alerts
from tracker.audit.models import AuditEvent
from tracker.core.actor import Actor
from tracker.core.time import WARD_TZ
from tracker.discussion import services as discussion
from tracker.discussion.models import Comment, Directive, Question
from tracker.extensions import db
from tracker.periods.models import SIX_MONTH, ReportingPeriod
from tracker.periods.queries import plan_rounds
from tracker.plan.assignments import unit_role_on_task
from tracker.plan.models import ROLE_LEAD, Plan, Task
from tracker.progress.models import STATE_BLOCKED, STATE_WORKING, ProgressUpdate
from tracker.progress.services import UpdateInput, post_update
from tracker.reports import services as reports
from tracker.reports.models import UnitReport
from tracker.reports.queries import OwedReport, owed_reports, section_sources
from tracker.targets import services as targets
from tracker.targets.models import ACTUAL_FRACTION, Indicator, IndicatorValue
from tracker.units.models import Unit
from tracker.wards.models import Ward

UNIT_CODE = "phong-vh-xh"
PERIOD_KIND, PERIOD_YEAR = SIX_MONTH, 2026
TASK_CODES = ("IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.4")
SCAN_DAY = date(2026, 6, 12)
DIRECTIVE_DUE = date(2026, 6, 10)

# The demo account of each role the story needs, as `flask users create-demo` makes them.
ROLES_NEEDED = (ROLE_OFFICER, ROLE_SECRETARIAT, ROLE_COMMITTEE, ROLE_CHAIR)
DEMO_USERNAMES = {role: username for username, _name, role, _unit in DEMO_ACCOUNTS if role in ROLES_NEEDED}


class DemoRefused(Exception):
    """The demo activity cannot be added here; the message says why. Nothing was written."""


def at(day: str, clock: str) -> datetime:
    """A moment in the ward."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=WARD_TZ)


SCAN_AT = at(SCAN_DAY.isoformat(), "07:00")


# --- who and where --------------------------------------------------------------------------


@dataclass
class Cast:
    officer: User
    secretariat: User
    committee: User
    chair: User


@dataclass
class Stage:
    """What the story needs of the plan."""

    plan: Plan
    unit: Unit
    period: ReportingPeriod
    tasks: dict[str, Task]


def demo_cast(ward: Ward) -> Cast:
    """The demo accounts of the ward, refused unless each one exists, is active, has its role (the
    officer in Phòng Văn hóa – Xã hội) and was created as a demo account (the audit log says so)."""
    names = sorted(DEMO_USERNAMES.values())
    users = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(names)))}
    demo_ids = set()
    if users:
        events = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "user.create",
                AuditEvent.target_id.in_([u.id for u in users.values()]),
            )
        )
        demo_ids = {
            e.target_id for e in events if e.target_type == User.__tablename__ and (e.detail or {}).get("demo") is True
        }
    fine = {}
    for role, username in DEMO_USERNAMES.items():
        user = users.get(username)
        if (
            user is None
            or not user.active
            or user.ward_id != ward.id
            or role not in user.role_codes
            or user.id not in demo_ids
            or (role == ROLE_OFFICER and (user.unit is None or user.unit.code != UNIT_CODE))
        ):
            raise DemoRefused(
                _(
                    "The demo activity needs the demo accounts of `flask users create-demo` (%(names)s) in "
                    "this ward: it is only for a database set up to try the app. Nothing was written.",
                    names=", ".join(names),
                )
            )
        fine[role] = user
    return Cast(fine[ROLE_OFFICER], fine[ROLE_SECRETARIAT], fine[ROLE_COMMITTEE], fine[ROLE_CHAIR])


def demo_stage(ward: Ward) -> Stage:
    """The one plan of the ward that has the unit, its tasks and the six-month period of 2026."""
    unit = db.session.scalar(select(Unit).where(Unit.ward_id == ward.id, Unit.code == UNIT_CODE))
    stages = []
    for plan in db.session.scalars(select(Plan).where(Plan.ward_id == ward.id).order_by(Plan.id)) if unit else []:
        period = db.session.scalar(
            select(ReportingPeriod).where(
                ReportingPeriod.plan_id == plan.id,
                ReportingPeriod.kind == PERIOD_KIND,
                ReportingPeriod.year == PERIOD_YEAR,
            )
        )
        tasks = {
            t.code: t
            for t in db.session.scalars(select(Task).where(Task.plan_id == plan.id, Task.code.in_(TASK_CODES)))
        }
        if (
            period is not None
            and len(tasks) == len(TASK_CODES)
            and all(unit_role_on_task(t, unit.id) == ROLE_LEAD for t in tasks.values())
        ):
            stages.append(Stage(plan, unit, period, tasks))
    if len(stages) != 1:
        raise DemoRefused(
            _(
                "The demo activity needs exactly one plan of this ward in which %(unit)s leads %(tasks)s and "
                "which has the six-month period of 2026. Nothing was written.",
                unit=unit.name if unit else UNIT_CODE,
                tasks=", ".join(TASK_CODES),
            )
        )
    return stages[0]


def has_activity(plan: Plan) -> bool:
    """Whether anyone has used the plan: progress, reports, figures or discussion."""
    counts = (
        select(func.count(ProgressUpdate.id))
        .join(Task, ProgressUpdate.task_id == Task.id)
        .where(Task.plan_id == plan.id),
        select(func.count(UnitReport.id))
        .join(ReportingPeriod, UnitReport.period_id == ReportingPeriod.id)
        .where(ReportingPeriod.plan_id == plan.id),
        select(func.count(IndicatorValue.id))
        .join(Indicator, IndicatorValue.indicator_id == Indicator.id)
        .where(Indicator.plan_id == plan.id),
        select(func.count(Comment.id)).join(Task, Comment.task_id == Task.id).where(Task.plan_id == plan.id),
        select(func.count(Question.id)).where(Question.plan_id == plan.id),
        select(func.count(Directive.id)).where(Directive.plan_id == plan.id),
    )
    return any(db.session.scalar(query) for query in counts)


def check_ready(ward: Ward) -> tuple[Stage, Cast]:
    """Refuse (DemoRefused) unless the demo accounts exist and the plan is untouched. Reads only."""
    cast = demo_cast(ward)
    stage = demo_stage(ward)
    if has_activity(stage.plan):
        raise DemoRefused(
            _(
                'The plan "%(code)s" already has progress updates, reports, figures or discussion. The demo '
                "activity is only added to a plan nobody has used yet. Nothing was written.",
                code=stage.plan.code,
            )
        )
    return stage, cast


# --- the story ------------------------------------------------------------------------------


@dataclass
class Summary:
    plan: Plan
    unit: Unit
    period: ReportingPeriod
    officer: User
    committee: User
    chair: User
    updates: list[ProgressUpdate] = field(default_factory=list)
    report: UnitReport | None = None
    returned: list[str] = field(default_factory=list)
    figures: int = 0
    questions: list[Question] = field(default_factory=list)
    directives: list[Directive] = field(default_factory=list)
    scans: list[alerts.ScanResult] = field(default_factory=list)
    rescanned_on: date | None = None

    @property
    def blocked(self) -> list[str]:
        return [u.task.code for u in self.updates if u.state == STATE_BLOCKED]

    @property
    def sections(self) -> int:
        return len(self.report.sections) if self.report else 0


# (moment, task, percent, state, results, difficulties, proposals), in the order they happen.
UPDATES = (
    (
        at("2026-02-09", "08:30"),
        "IV.4.1",
        25,
        STATE_WORKING,
        "Tư vấn, giới thiệu việc làm cho 9 lao động thuộc hộ nghèo, hộ cận nghèo; phối hợp Phòng Giao dịch Ngân hàng "
        "Chính sách xã hội hướng dẫn 4 hộ làm hồ sơ vay vốn giải quyết việc làm.",
        None,
        None,
    ),
    (
        at("2026-03-16", "14:00"),
        "VI.3.2",
        20,
        STATE_WORKING,
        "Triển khai rà soát lao động thuộc hộ nghèo, hộ cận nghèo tại các tổ dân phố; đã lập danh sách ban đầu "
        "gồm 46 lao động trong độ tuổi có nhu cầu tìm việc làm.",
        None,
        None,
    ),
    (
        at("2026-04-14", "10:00"),
        "VI.3.4",
        30,
        STATE_WORKING,
        "Tổ chức 3 hội nghị tuyên truyền chính sách giảm nghèo tại các tổ dân phố với 210 lượt người tham dự; "
        "đăng 6 tin, bài trên trang thông tin điện tử và nhóm Zalo của phường.",
        None,
        None,
    ),
    (
        at("2026-05-07", "09:15"),
        "IV.8",
        10,
        STATE_BLOCKED,
        "Bước đầu rà soát các hộ nghèo có người khuyết tật đặc biệt nặng đang được chăm sóc tại gia đình.",
        "Chưa có hướng dẫn của tỉnh về điều kiện đưa người khuyết tật đặc biệt nặng thuộc hộ nghèo vào cơ sở bảo trợ "
        "xã hội khi vẫn còn người có nghĩa vụ chăm sóc; chưa bố trí được kinh phí khảo sát.",
        "Đề nghị Ban Chỉ đạo kiến nghị UBND tỉnh sớm hướng dẫn điều kiện tiếp nhận và bố trí kinh phí để khảo sát, "
        "lập danh sách đối tượng.",
    ),
    (
        at("2026-05-22", "16:00"),
        "IV.4.2",
        40,
        STATE_WORKING,
        "Chi trả hỗ trợ chi phí học tập học kỳ II năm học 2025-2026 cho 27 học sinh thuộc hộ nghèo, hộ cận nghèo; "
        "phối hợp các trường học rà soát đối tượng miễn, giảm học phí năm học 2026-2027.",
        None,
        None,
    ),
    (
        at("2026-05-27", "09:00"),
        "IV.4.1",
        45,
        STATE_WORKING,
        "Lũy kế 6 tháng: tư vấn, giới thiệu việc làm cho 18 lao động, trong đó 7 lao động đã có việc làm ổn định; "
        "6 lao động tham gia lớp đào tạo nghề may công nghiệp.",
        None,
        None,
    ),
    (
        at("2026-05-29", "14:30"),
        "VI.3.2",
        50,
        STATE_WORKING,
        "Hoàn thành rà soát, tư vấn hướng nghiệp cho 46 lao động thuộc hộ nghèo, hộ cận nghèo; đang xây dựng dự thảo "
        "kế hoạch hỗ trợ việc làm năm 2026.",
        None,
        None,
    ),
)

QUESTION = (
    at("2026-05-12", "15:00"),
    "IV.8",
    "Đề nghị Phòng Văn hóa – Xã hội cho biết trên địa bàn hiện có bao nhiêu hộ nghèo có người khuyết tật đặc biệt "
    "nặng cần đưa vào cơ sở bảo trợ xã hội, và kinh phí khảo sát dự kiến là bao nhiêu?",
    at("2026-05-14", "10:30"),
    "Qua rà soát bước đầu có 4 hộ nghèo có người khuyết tật đặc biệt nặng có nhu cầu, phù hợp với lộ trình của Kế "
    "hoạch. Kinh phí khảo sát dự kiến khoảng 15 triệu đồng; đơn vị đã đưa nội dung này vào đề xuất của báo cáo 6 tháng.",
)

DIRECTIVE = (
    at("2026-05-18", "09:00"),
    "IV.8",
    "Phòng Văn hóa – Xã hội chủ trì, phối hợp Phòng Xây dựng, Nông nghiệp và Môi trường hoàn thành danh sách hộ nghèo "
    "có người khuyết tật đặc biệt nặng, dự trù kinh phí khảo sát, báo cáo Ban Chỉ đạo trước ngày 10/6/2026.",
)

# Two fractions the unit answers for: (indicator code, numerator, denominator, source), entered on 01/06.
FIGURES_AT = at("2026-06-01", "10:00")
FIGURES = (
    ("coverage-school-age", Decimal(61), Decimal(64), "Số liệu của các trường học trên địa bàn, tháng 5/2026"),
    (
        "coverage-employment-counselling",
        Decimal(18),
        Decimal(21),
        "Sổ theo dõi tư vấn việc làm của Phòng Văn hóa – Xã hội",
    ),
)

# What the unit writes in its six-month report, beyond what its updates pre-fill: task -> (results,
# difficulties, proposals). Sections not listed keep the pre-fill, or say why nothing was done.
SECTIONS = {
    "IV.4.1": (
        "Tư vấn, giới thiệu việc làm cho 18 lao động thuộc hộ nghèo, hộ cận nghèo, trong đó 7 lao động đã có việc "
        "làm ổn định; 6 lao động tham gia lớp đào tạo nghề may công nghiệp.",
        "Nhu cầu học nghề của lao động lớn tuổi thấp; ít doanh nghiệp tuyển dụng tại chỗ.",
        "Đề nghị bổ sung kinh phí đào tạo nghề ngắn hạn gắn với nhu cầu tuyển dụng của doanh nghiệp.",
    ),
    "IV.4.2": (
        "Chi trả hỗ trợ chi phí học tập học kỳ II năm học 2025-2026 cho 27 học sinh thuộc hộ nghèo, hộ cận nghèo "
        "đúng đối tượng, đúng thời hạn.",
        None,
        None,
    ),
    "VI.3.1": (
        "Hướng dẫn các trường học thực hiện chính sách hỗ trợ giáo dục cho học sinh thuộc hộ nghèo, hộ cận nghèo; "
        "phối hợp giới thiệu việc làm cho lao động thuộc hộ nghèo.",
        None,
        None,
    ),
    "VI.3.2": ("Đã rà soát lao động thuộc hộ nghèo, hộ cận nghèo; đang xây dựng kế hoạch hỗ trợ việc làm.", None, None),
    "IV.8": (
        "Bước đầu rà soát được 4 hộ nghèo có người khuyết tật đặc biệt nặng có nhu cầu được chăm sóc tại cơ sở bảo "
        "trợ xã hội.",
        "Chưa có hướng dẫn của tỉnh về điều kiện tiếp nhận; chưa có kinh phí khảo sát.",
        "Đề nghị Ban Chỉ đạo kiến nghị UBND tỉnh hướng dẫn điều kiện tiếp nhận và bố trí khoảng 15 triệu đồng "
        "kinh phí khảo sát.",
    ),
}
NOTHING_YET = (
    "Trong 6 tháng đầu năm chưa phát sinh nội dung triển khai riêng; đơn vị lồng ghép trong các nhiệm vụ nêu trên."
)
ASSESSMENT = (
    "Đơn vị đã triển khai các nhiệm vụ được giao theo Kế hoạch; công tác tư vấn việc làm, hỗ trợ giáo dục cho hộ "
    "nghèo, hộ cận nghèo đạt kết quả bước đầu. Nhiệm vụ IV.8 còn vướng mắc do chưa có hướng dẫn của tỉnh."
)
DRAFTED_AT = at("2026-06-02", "10:00")
SUBMITTED_AT = at("2026-06-03", "09:30")
RETURN = (
    "VI.3.2",
    at("2026-06-04", "08:45"),
    "Đề nghị bổ sung số lao động đã được tư vấn, hướng nghiệp theo từng tổ dân phố và tiến độ xây dựng kế hoạch "
    "hỗ trợ việc làm năm 2026.",
)
RESUBMIT = (
    "VI.3.2",
    at("2026-06-05", "16:30"),
    "Hoàn thành rà soát, tư vấn hướng nghiệp cho 46 lao động thuộc hộ nghèo, hộ cận nghèo (tổ dân phố khu vực "
    "trung tâm 28 lao động, các tổ dân phố còn lại 18 lao động). Dự thảo kế hoạch hỗ trợ việc làm năm 2026 đã "
    "xong, dự kiến trình UBND phường trong tháng 6.",
    None,
    "Đề nghị các doanh nghiệp trên địa bàn phối hợp cung cấp nhu cầu tuyển dụng.",
)
ACCEPT = (at("2026-06-08", "14:00"), "Báo cáo đầy đủ, đúng hạn.")


def create_activity(stage: Stage, cast: Cast, now: datetime) -> Summary:
    """Write the story through the services, then run the alert scan of SCAN_DAY. `now` is the real
    moment: if the alerts were already scanned for a later day (the scheduler of `make run` scans
    today), the scan does not go back; that later day is scanned again at `now` instead, so that its
    alerts take the demo activity into account."""
    officer, secretariat = Actor.for_user(cast.officer), Actor.for_user(cast.secretariat)
    summary = Summary(stage.plan, stage.unit, stage.period, cast.officer, cast.committee, cast.chair)
    latest_scan = alerts.last_scan_date()
    _progress_and_discussion(stage, cast, officer, summary)
    # June: the figures, then the reports, their review, one returned and sent again, one late.
    summary.figures = _enter_figures(stage, officer)
    _report_round(stage, officer, secretariat, summary)
    db.session.flush()
    _scan_alerts(stage.plan, latest_scan, now, summary)
    return summary


def _post(stage: Stage, officer: Actor, summary: Summary, row: tuple) -> None:
    """One progress update of UPDATES, posted by the officer as the task's lead."""
    moment, code, percent, state, results, difficulties, proposals = row
    update, _stored = post_update(
        officer,
        stage.tasks[code],
        stage.unit.id,
        "lead",
        UpdateInput(percent, state, results, difficulties, proposals),
        files=[],
        now=moment,
    )
    summary.updates.append(update)


def _progress_and_discussion(stage: Stage, cast: Cast, officer: Actor, summary: Summary) -> None:
    """February to May: progress, the committee's question and the chair's directive."""
    plan, unit, tasks = stage.plan, stage.unit, stage.tasks
    for row in UPDATES[:4]:  # the fourth: IV.8, blocked
        _post(stage, officer, summary, row)
    asked_at, code, body, answered_at, answer = QUESTION
    question = discussion.ask_question(Actor.for_user(cast.committee), plan, unit, body, asked_at, task=tasks[code])
    discussion.answer_question(officer, question, answer, answered_at)
    summary.questions.append(question)
    issued_at, code, body = DIRECTIVE
    summary.directives.append(
        discussion.issue_directive(
            Actor.for_user(cast.chair), plan, unit, body, DIRECTIVE_DUE, issued_at, task=tasks[code]
        )
    )
    for row in UPDATES[4:]:
        _post(stage, officer, summary, row)


def _enter_figures(stage: Stage, officer: Actor) -> int:
    """June: the period's figures of the fractions the unit answers for. Returns how many were saved."""
    plan, unit = stage.plan, stage.unit
    indicators = {i.code: i for i in db.session.scalars(select(Indicator).where(Indicator.plan_id == plan.id))}
    rows = [
        (indicators[code], None, numerator, denominator, source)
        for code, numerator, denominator, source in FIGURES
        if code in indicators
        and indicators[code].actual_rule == ACTUAL_FRACTION
        and indicators[code].reporting_unit_id == unit.id
    ]
    return targets.save_actuals(officer, stage.period, rows, FIGURES_AT)


def _report_input(owed: OwedReport, unit: Unit, moment: datetime) -> reports.ReportInput:
    """The report as the officer leaves it at `moment`: each section from the pre-fill of the
    unit's updates, with what the officer wrote over it."""
    sources = section_sources(owed.round, unit.id, [t.id for t in owed.tasks], moment)
    sections = []
    for task in owed.tasks:
        section = sources[task.id].prefill(task)
        if task.code in SECTIONS:
            section.results, section.difficulties, section.proposals = SECTIONS[task.code]
        section.results = section.results or NOTHING_YET
        sections.append(section)
    return reports.ReportInput(sections=sections, assessment=ASSESSMENT)


def _report_round(stage: Stage, officer: Actor, secretariat: Actor, summary: Summary) -> None:
    """June: the unit's report drafted and submitted, returned with a reason on one section, fixed
    and sent again, then accepted."""
    plan, unit, period, tasks = stage.plan, stage.unit, stage.period, stage.tasks
    owed = next(o for o in owed_reports(plan, plan_rounds(plan), unit_id=unit.id) if period in o.round)
    report = reports.start(owed.round, unit.id, owed.tasks, DRAFTED_AT)
    reports.save_draft(officer, report, _report_input(owed, unit, DRAFTED_AT), DRAFTED_AT)
    reports.submit(officer, report, _report_input(owed, unit, SUBMITTED_AT), SUBMITTED_AT, roles=owed.roles)
    code, moment, reason = RETURN
    reports.return_for_changes(secretariat, report, reason, moment, task_id=tasks[code].id)
    summary.returned.append(code)
    code, moment, results, difficulties, proposals = RESUBMIT
    fixed = _report_input(owed, unit, moment)
    for section in fixed.sections:
        if section.task.code == code:
            section.results, section.difficulties, section.proposals = results, difficulties, proposals
    reports.submit(officer, report, fixed, moment, roles=owed.roles)
    moment, comment = ACCEPT
    reports.accept(secretariat, report, moment, comment)
    summary.report = report


def _scan_alerts(plan: Plan, latest_scan: date | None, now: datetime, summary: Summary) -> None:
    """The alert scan of SCAN_DAY; or, if a later day was scanned already, that day again at `now`."""
    if latest_scan is None or latest_scan <= SCAN_DAY:
        summary.scans.append(alerts.scan(plan, SCAN_DAY, SCAN_AT))
    else:
        # Going back would resolve alerts that the next scan reopens (see `flask alerts scan --rewind`);
        # the scan of that later day raises the demo's alerts too, each from the day it should have fired.
        summary.scans.append(alerts.scan(plan, latest_scan, max(now, SCAN_AT)))
        summary.rescanned_on = latest_scan
