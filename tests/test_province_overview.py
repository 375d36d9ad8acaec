"""A province's overview (issue 17): a province's account reads every ward of its province and
changes nothing; the overview lists each ward's plan with its progress, late work, reporting and
on-time rates from the stored standings, sorted and paginated in SQL, with the province's totals and
the shared targets added up; what it costs does not grow with the number of wards.

Bắc Kạn is in "Tỉnh Thái Nguyên"; the tests load the same plan for more wards, in the same province
and in another one."""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import event, select, text

from tests.conftest import PASSWORD, PLAN_FILE
from tests.helpers import Statements, at, page, plain, signed_in
from tests.test_dashboard import freeze, june, progress, spring  # noqa: F401  (fixtures)
from tracker.accountability import queries as accountability
from tracker.accounts.models import User
from tracker.accounts.services import AccountRefused, add_user
from tracker.core.actor import Actor
from tracker.core.time import now
from tracker.extensions import db
from tracker.periods.models import ANNUAL, SIX_MONTH, ReportingPeriod
from tracker.periods.queries import plan_periods
from tracker.plan.models import Plan
from tracker.planfile import loading
from tracker.planfile.reader import read_plan_file
from tracker.planfile.schema import WardData
from tracker.standing.models import PlanStanding
from tracker.standing.queries import plan_snapshot
from tracker.standing.stored import refresh_standings, standing_differences
from tracker.targets.models import Indicator, IndicatorValue
from tracker.units.models import Unit
from tracker.wards.models import Ward

THAI_NGUYEN = "Tỉnh Thái Nguyên"
TUYEN_QUANG = "Tỉnh Tuyên Quang"
JUNE_20 = date(2026, 6, 20)


def load_ward(code: str, name: str, province: str) -> Plan:
    """The Bắc Kạn plan loaded for another ward."""
    plan_file = copy.deepcopy(read_plan_file(PLAN_FILE))
    plan_file.ward = WardData(code=code, name=name, province=province)
    plan = loading.load_plan_file(plan_file, str(PLAN_FILE)).plan
    db.session.commit()
    return plan


def province_account(username: str = "bcd.tinh", province: str = THAI_NGUYEN, role: str = "province_committee"):
    user = add_user(Actor.command_line(), now(), username, PASSWORD, "Ban Chỉ đạo tỉnh", [role], province=province)
    db.session.commit()
    return user


def sign_in(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def cards(html: str) -> list[str]:
    """The ward names of the overview's cards, in order."""
    return [
        plain(name)
        for name in re.findall(r'<div class="card[^"]*" data-plan="\d+">.*?<h3[^>]*><a[^>]*>(.*?)</a>', html, re.S)
    ]


def refresh_every_plan(day: date) -> None:
    for plan in db.session.scalars(select(Plan)):
        refresh_standings(plan, day)
    db.session.commit()


@pytest.fixture
def province(app, plan):
    """Bắc Kạn and Chợ Mới in Thái Nguyên; Hà Giang's ward Minh Xuân in Tuyên Quang."""
    cho_moi = load_ward("cho-moi", "Phường Chợ Mới", THAI_NGUYEN)
    minh_xuan = load_ward("minh-xuan", "Phường Minh Xuân", TUYEN_QUANG)
    return {"bac-kan": plan, "cho-moi": cho_moi, "minh-xuan": minh_xuan}


def test_a_province_account_reads_its_own_wards_and_changes_nothing(app, province):
    province_account()
    refresh_every_plan(date.today())
    client = sign_in(app, "bcd.tinh")

    # Signing in lands on the overview: the province's two wards, not the other province's.
    landing = client.get("/")
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/overview/")
    html = page(client, "/overview/")
    assert sorted(cards(html)) == ["Phường Bắc Kạn", "Phường Chợ Mới"]
    assert "Tỉnh Thái Nguyên" in plain(html)

    # Each ward's pages open, read-only; the other province's do not.
    cho_moi, minh_xuan = province["cho-moi"], province["minh-xuan"]
    for path in ("dashboard/", "accountability/", "", "tasks/IV.4.1"):
        assert client.get(f"/plans/{cho_moi.id}/{path}").status_code in (200, 302)
        assert client.get(f"/plans/{minh_xuan.id}/{path}").status_code in (403, 404)
    league = page(client, f"/plans/{cho_moi.id}/accountability/")
    assert "/chase" not in league  # no chase button
    assert 'name="percent"' not in page(client, f"/plans/{cho_moi.id}/tasks/IV.4.1")  # no progress form
    posted = client.post(f"/plans/{cho_moi.id}/tasks/IV.4.1/updates", data={"percent": "50", "state": "working"})
    assert posted.status_code == 403
    assert db.session.scalar(select(PlanStanding.percent).where(PlanStanding.plan_id == cho_moi.id)) == 0

    # A ward's people see neither the overview nor its link.
    committee = signed_in(app, "committee")
    assert committee.get("/overview/").status_code == 403
    assert "/overview/" not in page(committee, f"/plans/{province['bac-kan'].id}/dashboard/")


def test_the_other_province_and_an_installation_admin(app, province, user_of):
    province_account("sxd.tuyenquang", TUYEN_QUANG, "province_department")
    refresh_every_plan(date.today())
    assert cards(page(sign_in(app, "sxd.tuyenquang"), "/overview/")) == ["Phường Minh Xuân"]
    # The province is the account's, not the address's.
    assert cards(page(sign_in(app, "sxd.tuyenquang"), "/overview/?province=" + THAI_NGUYEN)) == ["Phường Minh Xuân"]

    admin = user_of("admin")
    admin.ward_id = None  # the installation's admin: every ward, or one province
    db.session.commit()
    client = signed_in(app, "admin")
    assert sorted(cards(page(client, "/overview/"))) == ["Phường Bắc Kạn", "Phường Chợ Mới", "Phường Minh Xuân"]
    assert cards(page(client, "/overview/?province=" + TUYEN_QUANG)) == ["Phường Minh Xuân"]


def test_province_accounts_are_made_with_their_province_and_only_their_roles(app, plan):
    ward = db.session.get(Ward, plan.ward_id)
    for roles, kwargs, message in (
        (["province_committee"], {}, "Ghi tên tỉnh"),
        (["province_committee"], {"province": THAI_NGUYEN, "ward": ward}, "không thuộc phường nào"),
        (["officer"], {"province": THAI_NGUYEN}, "Chỉ vai trò cấp tỉnh"),
        (["province_committee", "chair"], {"province": THAI_NGUYEN}, "chỉ giữ vai trò cấp tỉnh"),
    ):
        with pytest.raises(AccountRefused, match=message):
            add_user(Actor.command_line(), now(), "tinh.sai", PASSWORD, "Sai", roles, **kwargs)


def test_the_command_line_creates_a_province_account(cli, plan):
    result = cli.invoke(
        args=[
            "users",
            "create",
            "bcd.thainguyen",
            "--name",
            "Ban Chỉ đạo tỉnh",
            "--role",
            "province_committee",
            "--province",
            THAI_NGUYEN,
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    refused = cli.invoke(
        args=["users", "create", "bcd.sai", "--name", "Sai", "--role", "province_committee", "--ward", "bac-kan"]
        + ["--province", THAI_NGUYEN, "--password", PASSWORD]
    )
    assert refused.exit_code != 0 and "không thuộc phường nào" in refused.output
    user = db.session.scalar(select(User).where(User.username == "bcd.thainguyen"))
    assert user.province == THAI_NGUYEN and user.ward_id is None and user.role_codes == {"province_committee"}


def test_the_overview_shows_the_league_tables_figures(june, app, province):
    """On 20/06/2026 Bắc Kạn's units owe 12 six-month reports and sent 2, one on time (test_dashboard's
    `june`); Chợ Mới's owe 12 and sent none. The overview says so, and its totals add them up."""
    province_account()
    refresh_every_plan(JUNE_20)
    bac_kan = province["bac-kan"]
    # The stored counts are the league table's (plan to date) and the rule's.
    scope = accountability.scope_for(plan_periods(bac_kan), None, JUNE_20)
    rows = accountability.unit_figures(
        bac_kan, db.session.scalars(select(Unit).where(Unit.ward_id == bac_kan.ward_id)).all(), {}, scope, JUNE_20
    )
    stored = db.session.get(PlanStanding, bac_kan.id)
    assert (stored.reports_owed, stored.reports_sent, stored.reports_on_time) == (12, 2, 1)
    assert stored.reports_owed == sum(r.reports_expected for r in rows)
    assert stored.reports_sent == sum(r.reports_sent for r in rows)
    assert stored.reports_on_time == sum(r.reports_on_time for r in rows)
    leaves = plan_snapshot(bac_kan, JUNE_20).leaves
    assert stored.tasks == len(leaves) == 45
    assert stored.stale == sum(1 for v in leaves if v.standing.stale) == 34
    for plan in province.values():
        assert standing_differences(plan) == []

    html = page(sign_in(app, "bcd.tinh"), "/overview/")
    card = re.search(rf'data-plan="{bac_kan.id}">(.*?)</dl>', html, re.S).group(1)
    text = plain(card)
    assert "16,7%" in text and "(2/12)" in text  # reporting rate 2/12
    assert "8,3%" in text and "(1/12)" in text  # on time 1/12
    totals = plain(re.search(r'id="totals">(.*?)</section>', html, re.S).group(1))
    assert "8,3%" in totals  # 2 sent of 24 owed in the province
    assert "(2/24)" in totals


def test_sorted_and_paginated_each_ward_once(app, province, user_of, task_of):
    """Four wards in the province at two a page: two pages, each ward once, in Vietnamese order (Đ
    after D, Ă after A); the ward whose officer reported progress is last by lowest progress."""
    load_ward("duc-xuan", "Phường Đức Xuân", THAI_NGUYEN)
    load_ward("ba-be", "Phường Ba Bể", THAI_NGUYEN)
    progress(user_of("officer"), task_of("IV.4.1"), "phong-vh-xh", 80, "working", at("2026-11-20"))
    db.session.commit()
    province_account()
    refresh_every_plan(date.today())
    app.config["OVERVIEW_PAGE_SIZE"] = 2
    client = sign_in(app, "bcd.tinh")

    first = page(client, "/overview/?sort=ward")
    second = page(client, "/overview/?sort=ward&page=2")
    assert cards(first) + cards(second) == ["Phường Ba Bể", "Phường Bắc Kạn", "Phường Chợ Mới", "Phường Đức Xuân"]
    assert "1–2 trên 4" in plain(first) and 'rel="next"' in first and "sort=ward" in first
    assert cards(page(client, "/overview/?sort=ward&page=9")) == cards(second)  # past the end: the last page

    worst_first = cards(page(client, "/overview/?sort=progress")) + cards(
        page(client, "/overview/?sort=progress&page=2")
    )
    assert worst_first[-1] == "Phường Bắc Kạn" and len(set(worst_first)) == 4
    assert worst_first[:3] == ["Phường Ba Bể", "Phường Chợ Mới", "Phường Đức Xuân"]  # ties by name
    assert page(client, "/overview/?sort=nonsense&page=abc").count("data-plan=") == 2


def test_the_shared_targets_add_up_over_the_wards(app, province):
    """Households leaving poverty: 22 planned in 2026 by each ward, 44 in the province. Bắc Kạn's
    annual figure (20) and Chợ Mới's 6-month one (9, provisional) add up to 29*."""
    province_account()
    refresh_every_plan(date.today())
    entered = {"bac-kan": (ANNUAL, Decimal(20)), "cho-moi": (SIX_MONTH, Decimal(9))}
    for key, (kind, value) in entered.items():
        plan = province[key]
        indicator = db.session.scalar(
            select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == "households-leaving-poverty")
        )
        period = db.session.scalar(
            select(ReportingPeriod).where(
                ReportingPeriod.plan_id == plan.id, ReportingPeriod.kind == kind, ReportingPeriod.year == 2026
            )
        )
        db.session.add(IndicatorValue(indicator_id=indicator.id, period_id=period.id, value=value, entered_at=now()))
    db.session.commit()

    html = page(sign_in(app, "bcd.tinh"), "/overview/")
    row = re.search(r'data-indicator="households-leaving-poverty">(.*?)</tr>', html, re.S).group(1)
    cells = [plain(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[0] == "44 / 29*"  # 2026
    assert cells[1] == "24 / —"  # 2027: 12 + 12 planned, nothing entered
    assert cells[-1] == "128"  # (22 + 12 + 6 + 5 + 19) x 2
    assert "2 phường" in plain(row)


def test_the_overview_costs_the_same_for_more_wards(app, province):
    """The same number of SQL statements with two wards as with four (and twelve plans would be
    the same): counts, one page and the totals are each one query."""
    province_account()
    refresh_every_plan(date.today())
    client = sign_in(app, "bcd.tinh")
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def count() -> int:
        page(client, "/overview/")  # warm-up
        statements.clear()
        page(client, "/overview/")
        return len(statements)

    event.listen(engine, "before_cursor_execute", record)
    try:
        two = count()
        load_ward("ba-be", "Phường Ba Bể", THAI_NGUYEN)
        load_ward("an-thinh", "Phường An Thịnh", THAI_NGUYEN)
        refresh_every_plan(date.today())
        four = count()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert two == four
    assert "Phường An Thịnh" in cards(page(client, "/overview/"))


def test_the_shared_totals_are_kept_until_an_indicator_target_or_figure_changes(app, province, user_of):
    """The totals are added up once and kept: a second look, or any other write (a unit renamed),
    reads the kept row and no ward's targets; a figure entered, or targets changed by a statement of
    SQL, are in the next look's totals."""
    province_account()
    refresh_every_plan(date.today())
    client = sign_in(app, "bcd.tinh")

    def look() -> tuple[str, int]:
        """The 2026 cell of households leaving poverty, and how many statements read the targets."""
        with Statements(app) as statements:
            html = page(client, "/overview/")
        row = re.search(r'data-indicator="households-leaving-poverty">(.*?)</tr>', html, re.S).group(1)
        cell = plain(re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[0])
        return cell, sum(1 for statement in statements if re.search(r"\bJOIN target\b", statement))

    assert look() == ("44 / —", 1)  # added up, and kept
    assert look() == ("44 / —", 0)
    db.session.scalar(select(Unit).where(Unit.code == "phong-vh-xh")).name = "Phòng Văn hóa - Xã hội phường"
    db.session.commit()
    assert look() == ("44 / —", 0)  # not a write the totals are made of
    plan = province["bac-kan"]
    indicator = db.session.scalar(
        select(Indicator).where(Indicator.plan_id == plan.id, Indicator.code == "households-leaving-poverty")
    )
    annual = db.session.scalar(
        select(ReportingPeriod).where(
            ReportingPeriod.plan_id == plan.id, ReportingPeriod.kind == ANNUAL, ReportingPeriod.year == 2026
        )
    )
    db.session.add(IndicatorValue(indicator_id=indicator.id, period_id=annual.id, value=Decimal(20), entered_at=now()))
    db.session.commit()
    assert look() == ("44 / 20", 1)
    db.session.execute(text("UPDATE target SET value = value + 1 WHERE indicator_id = :id"), {"id": indicator.id})
    db.session.commit()
    assert look() == ("45 / 20", 1)
    assert look() == ("45 / 20", 0)


def test_an_account_keeps_its_kind_when_edited(app, plan, user_of):
    """An installation admin editing a province's account is offered only a province's roles, and
    the service refuses a ward's role on it (or a province's role on a ward's account)."""
    from tracker.accounts.services import change_user

    province_user = province_account()
    admin = user_of("admin")
    admin.ward_id = None
    db.session.commit()
    form = page(signed_in(app, "admin"), f"/admin/users/{province_user.id}")
    offered = set(re.findall(r'name="roles"[^>]*value="([a-z_]+)"', form))
    assert offered == {"province_committee", "province_department"}
    actor = Actor.for_user(admin)
    with pytest.raises(AccountRefused, match="chỉ giữ vai trò cấp tỉnh"):
        change_user(actor, now(), province_user, province_user.username, "Ban", ["province_committee", "chair"])
    officer = user_of("officer")
    with pytest.raises(AccountRefused, match="không thuộc phường nào"):
        change_user(actor, now(), officer, officer.username, "Cán bộ", ["officer", "province_department"], officer.unit)
    db.session.rollback()
    assert db.session.get(User, province_user.id).role_codes == {"province_committee"}


def test_ward_names_sort_in_vietnamese_order():
    from tracker.wards.models import vietnamese_sort_key

    names = [
        "Phường Đức Xuân",
        "Phường Dương Quang",
        "Phường Bắc Kạn",
        "Phường Ba Bể",
        "Phường Ân Thi",
        "Phường An Thịnh",
    ]
    assert sorted(names, key=vietnamese_sort_key) == [
        "Phường An Thịnh",
        "Phường Ân Thi",
        "Phường Ba Bể",
        "Phường Bắc Kạn",
        "Phường Dương Quang",
        "Phường Đức Xuân",
    ]
