"""End-to-end tests in a real browser: the ward's reporting loop, one role after another.

One live server for the module, on its own copy of the Bắc Kạn plan, with CSRF on and the clock
frozen (FROZEN_NOW, 03/06/2026: two days before the 6-month 2026 unit deadline; each scenario sets
its own day). The tests run in file order and share that server's database: each scenario picks up
where the previous one left off.

  0. the admin opens an officer account for the social policy bank's unit, makes that unit the lead
     of IV.10.4 (the plan names none) and reads both writes in the audit log; the new officer signs
     in with the admin's password and finds IV.10.4 on the unit's page, and as a section of the
     unit's one 6-month report;
  1. on 03/06, on a phone, the Phòng Văn hóa – Xã hội officer posts progress on IV.4.1 with a PDF,
     opens the unit's ONE 6-month report (nine task sections) from the home page, types every
     section's results, is stopped by the section left empty, saves a draft, comes back to it in
     another browser and submits;
  2. on 04/06 the secretariat returns it, pointing at the section on VI.3.2, with a reason;
  3. on 08/06 the officer finds the reason at that section, fixes it and resubmits (still on time:
     the first submission counts);  4. on 09/06 the secretariat reads the fix and accepts; the chair
     sees the report sent in the league table of the period, and the ward report quotes it;
  5. a committee member asks a question, the officer answers;  6. the chair issues a directive
     (the due date typed as dd/mm/yyyy);  6b. the admin opens an officer account for UBND phường;
  7. the alert scan runs on 12/06 and the chair sees the bell (one message for the day, grouped by
     unit), the dashboard (tiles, then lists) and the league table (a card per unit, worst first);
  7b. the chair's journey on a phone: lands on the league table, chases the worst unit in one
     action, copies the text for the chat groups, issues the unit a directive from its card; the
     unit's officer finds the chase and the directive on the unit's page and under the bell;
  8. the secretariat exports the ward report.

The whole report loop (1 to 4) runs on a 375×667 phone. Then: phone layout of every page seen on
the phone, the phone menu, accessibility (axe-core), and the two languages. Every page runs under
the app's real Content-Security-Policy. Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
from datetime import datetime

import pytest

from tests.browser_support import missing_tools

_missing = missing_tools()
if _missing and os.environ.get("REQUIRE_BROWSER_TESTS"):
    # CI sets this: a green run must have driven the browser, not skipped it.
    raise RuntimeError(_missing)
if _missing:
    pytest.skip(_missing, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser_support import (  # noqa: E402
    DESKTOP,
    FROZEN_NOW,
    OFFICER_UNIT,
    PHONE,
    SCAN_DAY,
    SCAN_NOW,
    VI,
    PhoneLayout,
    axe_violations,
    browser,  # noqa: F401  (fixture)
    close,
    describe_violations,
    docx_text,
    expect_flash,
    live_server,  # noqa: F401  (fixture)
    new_page,
    number_in,
    out_of_reach,
    scrolls_sideways,
    section,
    shot,
    sign_in,
    table_rows,
    words_broken_in_tables,
    words_cut,
    write_pdf,
)
from tests.conftest import TEST_USERS  # noqa: E402

pytestmark = pytest.mark.xdist_group("browser")

ADMIN = TEST_USERS["admin"][0]  # the admin's username, as the audit log shows it

TASK = "IV.4.1"
TASK_TITLE = "Chính sách dạy nghề, tạo việc làm"
EVIDENCE_NAME = "danh-sach-lop-day-nghe-thang-5.pdf"
PROGRESS_RESULTS = "Mở 2 lớp dạy nghề may công nghiệp cho 35 lao động thuộc hộ nghèo, hộ cận nghèo."

# The unit's one report of the round: a section for each of the nine tasks it reports on, in the
# plan's order. IV.4.1's section starts from the progress posted above, and the officer adds a line.
SIX_MONTH_2026 = f"{VI['six_month']} 2026"
# The home page's link to the report reads "Báo cáo của đơn vị: Báo cáo 6 tháng 2026"; the report's
# own pages are headed by the round's name, with the unit's name in bold below.
REPORT_LINK = f"{VI['unit_report']}: {SIX_MONTH_2026}"
SECTIONS = ["IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.2", "VI.3.3", "VI.3.4", "VI.3.5", "VI.3.6"]
IV_4_1_MORE = "Giới thiệu việc làm cho 12 lao động, 7 người đã có việc làm ổn định."
SECTION_RESULTS = {
    "IV.4.1": f"{PROGRESS_RESULTS}\n{IV_4_1_MORE}",
    "IV.4.2": "Chi trả hỗ trợ chi phí học tập học kỳ II năm học 2025-2026 cho 27 học sinh thuộc hộ nghèo, hộ cận nghèo.",
    "IV.8": "Rà soát được 4 hộ nghèo có người khuyết tật đặc biệt nặng cần chăm sóc tại cơ sở bảo trợ xã hội.",
    "VI.3.1": "Hướng dẫn các trường học thực hiện chính sách hỗ trợ giáo dục cho học sinh thuộc hộ nghèo, hộ cận nghèo.",
    "VI.3.2": "Đã rà soát lao động thuộc hộ nghèo, hộ cận nghèo; đang xây dựng kế hoạch hỗ trợ việc làm năm 2026.",
    "VI.3.3": "Phối hợp Bảo hiểm xã hội cấp thẻ BHYT cho 212 người thuộc hộ nghèo, hộ cận nghèo.",
    "VI.3.4": "Tuyên truyền chính sách giảm nghèo tại 18 tổ dân phố qua loa truyền thanh và hội nghị.",
    "VI.3.5": "Rà soát 41 hộ nghèo thuộc nhóm người cao tuổi, khuyết tật, ốm đau; đề xuất 6 người hưởng trợ cấp hằng tháng.",
    "VI.3.6": "Trong 6 tháng đầu năm chưa phát sinh nội dung riêng; đơn vị lồng ghép trong các nhiệm vụ nêu trên.",
}
ASSESSMENT = "Đơn vị triển khai đủ các nhiệm vụ được giao; IV.8 còn chờ hướng dẫn của tỉnh."
# The secretariat returns the report for one section, the officer adds what was asked.
RETURNED_TASK = "VI.3.2"
RETURNED_TASK_TITLE = (
    "Rà soát, tư vấn, hướng nghiệp lao động thuộc hộ nghèo, hộ cận nghèo và xây dựng kế hoạch hỗ trợ việc làm năm 2026"
)
RETURN_REASON = "Bổ sung số lao động đã được tư vấn, hướng nghiệp theo từng tổ dân phố."
RETURNED_TASK_FIX = "Đã tư vấn, hướng nghiệp cho 46 lao động: khu trung tâm 28, các tổ dân phố còn lại 18."
FIXED_RESULTS = f"{SECTION_RESULTS[RETURNED_TASK]}\n{RETURNED_TASK_FIX}"
FINAL_RESULTS = {**SECTION_RESULTS, RETURNED_TASK: FIXED_RESULTS}
# The days of the loop: written and submitted on 03/06 (FROZEN_NOW), returned the next morning,
# resubmitted after the unit deadline (05/06), accepted before the ward's (10/06).
RETURNED_AT = "2026-06-04T08:45:00+07:00"
RESUBMITTED_AT = "2026-06-08T09:00:00+07:00"
ACCEPTED_AT = "2026-06-09T14:00:00+07:00"
WARD_REPORT_TITLE = "Kết quả thực hiện công tác giảm nghèo bền vững 6 tháng đầu năm 2026"
QUESTION = "Đơn vị cho biết kế hoạch mở lớp dạy nghề 6 tháng cuối năm 2026?"
ANSWER = "Dự kiến mở thêm 2 lớp kỹ thuật nông nghiệp trong quý III/2026, phối hợp với HTX Nông Thịnh."
DIRECTIVE = "Phòng Văn hóa – Xã hội hoàn thiện danh sách lao động có nhu cầu học nghề, báo cáo Trưởng ban."
DIRECTIVE_DUE = "10/06/2026"  # typed as dd/mm/yyyy

# Scenario 0: the account the admin opens, and the task the admin assigns. The unit already leads
# a task in the plan (VI.7), so it is in the league table and the dashboard anyway: later scenarios
# see the same units, and Phòng Văn hóa – Xã hội's figures do not change.
NEW_OFFICER = "canbo.nhcsxh"
NEW_OFFICER_NAME = "Nông Thị Hạnh"
NEW_OFFICER_PASSWORD = "Vay von uu dai 2026"
NEW_OFFICER_UNIT = "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn"
ASSIGNED_TASK = "IV.10.4"
ASSIGNED_TASK_TITLE = "Đối với nhóm hộ nghèo có thành viên là người có công với cách mạng"

# What the phones showed on each page visited (the officers', and the secretariat's in the report
# loop): checked by test_officer_pages_fit_a_phone.
PHONE_PAGES = PhoneLayout()


def open_as(browser, server, role: str, size: dict = DESKTOP):
    """A fresh browser signed in as the test user of `role` through the login form."""
    page = new_page(browser, size)
    sign_in(page, server, role)
    return page


def on_phone(page, name: str, focus=None) -> None:
    """The officer sees a page on the phone: record its layout, and screenshot the screen as the
    officer sees it, scrolled to `focus` when a part further down is what matters."""
    page.wait_for_load_state()
    PHONE_PAGES.check(page, name)
    if focus is not None:
        focus.scroll_into_view_if_needed()
        page.evaluate(
            "top => window.scrollTo(0, top)", focus.evaluate("e => e.getBoundingClientRect().top + window.scrollY - 8")
        )
    # The screen as it comes to rest: a scroll to a #fragment is smooth (Bootstrap), so wait until
    # three frames in a row leave it where it is.
    page.evaluate(
        """() => new Promise(done => {
             let last = -1, still = 0;
             const frame = () => { still = window.scrollY === last ? still + 1 : 0; last = window.scrollY;
                                   still >= 3 ? done() : requestAnimationFrame(frame); };
             requestAnimationFrame(frame);
           })"""
    )
    shot(page, name, full_page=False)


def open_phone_menu(page) -> None:
    toggler = page.get_by_role("button", name=VI["show_menu"])
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))


def go_by_phone_menu(page, link_name: str) -> None:
    """Open the menu and follow one of its links; wait for the page it leads to (even when that is
    the page already shown)."""
    open_phone_menu(page)
    with page.expect_navigation():
        page.locator("#main-nav").get_by_role("link", name=link_name, exact=True).click()
    page.wait_for_load_state()


# --- 0. the admin opens an account and assigns an unassigned task ------------------------------


def unassigned_codes(page) -> list[str]:
    """The task codes the plan overview's warning lists as having no lead unit (waits for the
    warning, which stays: the scenario assigns only one of IV.10's five tasks)."""
    warning = page.get_by_role("status").filter(has_text=VI["no_lead_yet"])
    expect(warning).to_be_visible()
    return [link.inner_text().strip() for link in warning.get_by_role("link").all()]


def test_0_admin_opens_an_officer_account_assigns_a_lead_unit_and_reads_the_audit_log(browser, live_server):
    live_server.set_clock(FROZEN_NOW)
    page = open_as(browser, live_server, "admin")
    # An admin lands on the plan, whose warning lists the tasks with no lead unit: IV.10's.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kế hoạch thực hiện công tác giảm nghèo bền vững")
    unassigned = unassigned_codes(page)
    assert ASSIGNED_TASK in unassigned, f"the plan names no lead unit for {ASSIGNED_TASK}: {unassigned}"

    # A new officer account for the unit, with a password the admin gives the person.
    page.locator("#main-nav").get_by_role("link", name=VI["accounts"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["accounts"], level=1)).to_be_visible()
    page.get_by_role("link", name=VI["new_account"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["new_account"], level=1)).to_be_visible()
    page.get_by_label(VI["username"]).fill(NEW_OFFICER)
    page.get_by_label(VI["full_name"]).fill(NEW_OFFICER_NAME)
    page.get_by_label(VI["unit"], exact=True).select_option(label=NEW_OFFICER_UNIT)
    page.get_by_label(VI["role_officer"], exact=True).check()
    page.get_by_label(VI["password"], exact=True).fill(NEW_OFFICER_PASSWORD)
    expect(page.get_by_label(VI["account_active"])).to_be_checked()
    shot(page, "00a-admin-new-account")
    page.get_by_role("button", name=VI["save"], exact=True).click()

    expect_flash(page, VI["account_created"].format(username=NEW_OFFICER))
    accounts = {row[VI["username"]]: row for row in table_rows(page.locator("main table"))}
    assert NEW_OFFICER in accounts, sorted(accounts)
    assert accounts[NEW_OFFICER] == {
        VI["username"]: NEW_OFFICER,
        VI["full_name"]: NEW_OFFICER_NAME,
        VI["unit"]: NEW_OFFICER_UNIT,
        VI["roles"]: VI["role_officer"],
        "Hoạt động": VI["yes"],
    }, accounts[NEW_OFFICER]
    shot(page, "00b-admin-accounts")

    # IV.10.4 gets the unit as its lead: from the plan's warning, through the task page.
    page.get_by_role("link", name=VI["brand"], exact=True).click()
    page.get_by_role("status").filter(has_text=VI["no_lead_yet"]).get_by_role(
        "link", name=ASSIGNED_TASK, exact=True
    ).click()
    expect(page.get_by_role("heading", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}", level=1)).to_be_visible()
    units = page.locator("section[aria-labelledby=units-heading]")
    expect(units).to_contain_text(VI["not_assigned"])
    units.get_by_role("link", name=VI["change_units"]).click()
    expect(page.get_by_role("heading", name=VI["units_of"].format(code=ASSIGNED_TASK), level=1)).to_be_visible()
    page.get_by_label(VI["primary_lead"]).select_option(label=NEW_OFFICER_UNIT)
    shot(page, "00c-admin-assign-lead-unit")
    page.get_by_role("button", name=VI["save"], exact=True).click()

    expect_flash(page, VI["units_saved"].format(code=ASSIGNED_TASK))
    expect(page.get_by_role("heading", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}", level=1)).to_be_visible()
    units = page.locator("section[aria-labelledby=units-heading]")
    expect(units.get_by_role("heading", name=VI["lead"], exact=True)).to_be_visible()
    expect(units.get_by_role("listitem")).to_have_text([NEW_OFFICER_UNIT])
    expect(units).not_to_contain_text(VI["not_assigned"])
    shot(page, "00d-task-lead-unit-assigned")
    page.get_by_role("link", name=VI["brand"], exact=True).click()
    assert unassigned_codes(page) == [code for code in unassigned if code != ASSIGNED_TASK], (
        f"only {ASSIGNED_TASK} left the warning"
    )

    # The audit log, narrowed to the admin's own writes of the day.
    today = FROZEN_NOW[:10]
    page.locator("#main-nav").get_by_role("link", name=VI["audit_log"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["audit_log"], level=1)).to_be_visible()
    page.get_by_label(VI["user"], exact=True).select_option(label=ADMIN)
    page.get_by_label(VI["from"], exact=True).fill(today)
    page.get_by_label(VI["to"], exact=True).fill(today)
    page.get_by_role("button", name=VI["filter"], exact=True).click()
    page.wait_for_url(re.compile(rf"since={today}&until={today}"))
    expect(page.get_by_label(VI["user"], exact=True).locator("option:checked")).to_have_text(ADMIN)
    events = table_rows(page.locator("main table"))
    assert [event["Thao tác"] for event in events] == [
        VI["audit_task_assign"],
        VI["audit_user_create"],
        VI["audit_login"],
    ], events  # newest first: nothing else the admin did, and nobody else's doings
    assert {event["Người thực hiện"] for event in events} == {ADMIN}, events
    assert all(event["Thời gian"] == "09:00 03/06/2026" for event in events), events
    assigned, created, _login = events
    assert re.fullmatch(r"nhiệm vụ #\d+", assigned["Đối tượng"]), assigned
    assert f'"task": "{ASSIGNED_TASK}"' in assigned["Chi tiết"] and '"nhcsxh", "lead", true' in assigned["Chi tiết"], (
        assigned
    )
    assert re.fullmatch(r"tài khoản #\d+", created["Đối tượng"]), created
    assert f'"username": "{NEW_OFFICER}"' in created["Chi tiết"] and '"roles": ["officer"]' in created["Chi tiết"], (
        created
    )
    shot(page, "00e-audit-log-admin-writes")
    close(page)

    # The new officer signs in with the admin's password, on a phone, and lands on the unit's page,
    # where IV.10.4 is a task the unit leads and owes the 6-month report on.
    page = new_page(browser, PHONE)
    sign_in(page, live_server, username=NEW_OFFICER, password=NEW_OFFICER_PASSWORD)
    assert page.url.endswith("/my-unit"), f"an officer lands on the unit page, not {page.url}"
    expect(page.get_by_role("heading", name=NEW_OFFICER_UNIT, level=1)).to_be_visible()
    led = section(page, VI["tasks_led"])
    expect(led.get_by_role("link", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}")).to_be_visible()
    # One report owed for the round, whose sections now include IV.10.4 beside VI.7.
    owed = section(page, VI["reports_owed"]).get_by_role("listitem")
    expect(owed).to_have_count(1)
    expect(owed.get_by_role("link")).to_have_text(REPORT_LINK)
    expect(owed).to_contain_text(VI["n_tasks"].format(n=2))
    expect(owed).to_contain_text(VI["days_left_2"])
    on_phone(page, "00f-new-officer-unit-page-phone", focus=led)
    owed.get_by_role("link", name=REPORT_LINK).click()
    expect_report_heading(page, NEW_OFFICER_UNIT)
    expect(page.locator("main form .task-code")).to_have_text([f"1. {ASSIGNED_TASK}", "2. VI.7"])
    expect(report_section(page, ASSIGNED_TASK)).to_contain_text(ASSIGNED_TASK_TITLE)
    on_phone(page, "00g-new-officer-report-form-phone", focus=report_section(page, ASSIGNED_TASK))
    page.go_back()

    led.get_by_role("link", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}").click()
    expect(page.get_by_role("heading", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}", level=1)).to_be_visible()
    units = page.locator("section[aria-labelledby=units-heading]")
    expect(units.get_by_role("heading", name=VI["lead"], exact=True)).to_be_visible()
    expect(units.get_by_role("listitem")).to_have_text([NEW_OFFICER_UNIT])
    expect(units).not_to_contain_text(VI["not_assigned"])
    expect(units.get_by_role("link", name=VI["change_units"])).to_have_count(0)  # not the officer's to change
    form = page.locator("#update-form")
    expect(form.get_by_role("heading", name=re.compile(VI["post_progress"]))).to_contain_text(VI["as_lead_unit"])
    on_phone(page, "00h-new-officer-task-lead-unit-phone", focus=units)
    close(page)


# --- 1. the officer posts progress, then writes the unit's one report, on a phone ---------------


def report_section(page, code: str):
    """The report form's fieldset on the task `code`, found as a screen reader finds it: the group
    named by its legend ("5. VI.3.2 Rà soát, ..."), the fieldset's first child."""
    return page.get_by_role("group", name=re.compile(rf"^\d+\. {re.escape(code)} "))


def expect_report_heading(page, unit: str) -> None:
    """A unit report's page (its form or the report as sent): headed by the round's name, with the
    unit's name in bold below it."""
    expect(page.get_by_role("heading", name=SIX_MONTH_2026, level=1, exact=True)).to_be_visible()
    expect(page.locator("main h1 + p strong")).to_have_text(unit)


def shown_section(page, code: str):
    """A submitted report's section on the task `code`, as the report's page shows it."""
    return page.locator("section[id^=section-]").filter(
        has=page.get_by_role("heading", name=re.compile(rf"^\d+\. {re.escape(code)} "))
    )


def type_into(field, text: str) -> None:
    """Tap the field and type, key by key, as a person does on a phone (a new line is Enter). A
    person types a few keys a second: Chromium 150 loses the keys typed just before a letter that
    is not on the keyboard (ả, typed as text) when they come with no pause between them."""
    field.tap()
    expect(field).to_be_focused()  # the cursor is in the field before the first key
    field.press("Control+End")
    field.press_sequentially(text, delay=5)


def expect_fits_the_phone(page, what: str) -> None:
    """No sideways scrolling on the phone: document.scrollingElement.scrollWidth <= window.innerWidth
    (and innerWidth is the phone's own width, which mobile emulation would widen to fit an overflow)."""
    problem = scrolls_sideways(page)
    assert problem is None, f"{what}: {problem}"


def expect_reachable(page, button, what: str) -> None:
    """The button can be pressed where the screen stands, without scrolling to it."""
    problem = out_of_reach(page, button)
    assert problem is None, f"{what}: the button {button.inner_text()!r} is out of reach: {problem}"


def scroll_to(page, locator) -> None:
    """Scroll so that `locator` starts at the top of the screen, as a reader moving down the page."""
    page.evaluate(
        "top => window.scrollTo(0, top)", locator.evaluate("e => e.getBoundingClientRect().top + window.scrollY - 8")
    )


def test_1_officer_posts_progress_and_writes_the_units_report_on_a_phone(browser, live_server, tmp_path):
    live_server.set_clock(FROZEN_NOW)  # 03/06/2026, two days before the unit deadline
    page = new_page(browser, PHONE)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name=VI["sign_in"], level=1)).to_be_visible()
    on_phone(page, "01-login-phone")

    sign_in(page, live_server, "officer")
    assert page.url.endswith("/my-unit"), "an officer lands on the unit page"
    expect(page.get_by_role("heading", name=OFFICER_UNIT, level=1)).to_be_visible()
    expect(page.get_by_text(f"{VI['today']} 03/06/2026")).to_be_visible()
    # ONE report owed for the round, covering the unit's nine tasks: not nine reports.
    owed = section(page, VI["reports_owed"]).get_by_role("listitem")
    expect(owed).to_have_count(1)
    expect(owed.get_by_role("link")).to_have_text(REPORT_LINK)
    expect(owed).to_contain_text(VI["n_tasks"].format(n=len(SECTIONS)))
    expect(owed).to_contain_text(VI["not_started_report"])
    expect(owed).to_contain_text(VI["days_left_2"])
    expect(owed).to_contain_text("05/06/2026")
    on_phone(page, "02-officer-unit-page-phone")

    # Progress on IV.4.1, with a PDF: it will pre-fill the report's section on the task.
    section(page, VI["tasks_led"]).get_by_role("link", name=f"{TASK} {TASK_TITLE}").click()
    expect(page.get_by_role("heading", name=f"{TASK} {TASK_TITLE}", level=1)).to_be_visible()
    form = page.locator("#update-form")
    expect(form.get_by_role("heading", name=re.compile(VI["post_progress"]))).to_be_visible()
    form.get_by_label(VI["percent"]).fill("40")
    form.get_by_label(VI["state"]).select_option(label=VI["working"])
    form.get_by_label(VI["results_achieved"]).fill(PROGRESS_RESULTS)
    form.get_by_label(VI["evidence"]).set_input_files(write_pdf(tmp_path / EVIDENCE_NAME))
    on_phone(page, "03-task-progress-form-phone", focus=form)
    form.get_by_role("button", name=VI["post"]).click()

    expect_flash(page, VI["progress_posted"])
    timeline = section(page, VI["progress_updates"])
    expect(timeline.get_by_role("heading")).to_contain_text("1")
    update = timeline.get_by_role("listitem").first
    expect(update).to_contain_text("40%")
    expect(update).to_contain_text(VI["working"])
    expect(update).to_contain_text(PROGRESS_RESULTS)
    expect(update).to_contain_text("Canbo.Vhxh")
    evidence_link = update.get_by_role("link", name=EVIDENCE_NAME)
    expect(evidence_link).to_be_visible()
    on_phone(page, "04-task-progress-posted-phone", focus=update)
    with page.expect_download() as download:
        evidence_link.click()
    assert download.value.suggested_filename == EVIDENCE_NAME
    assert open(download.value.path(), "rb").read(5) == b"%PDF-", (
        "the evidence file downloads as the PDF that was posted"
    )

    # The report, from the home page: a section for each of the nine tasks, in the plan's order.
    go_by_phone_menu(page, VI["my_unit"])
    section(page, VI["reports_owed"]).get_by_role("link", name=REPORT_LINK).click()
    expect_report_heading(page, OFFICER_UNIT)
    expect(page.locator("main form .task-code")).to_have_text(
        [f"{n}. {code}" for n, code in enumerate(SECTIONS, start=1)]
    )
    # The contents name each section by its code and the first words of its title.
    expect(page.get_by_role("navigation", name=VI["report_sections"]).get_by_role("link")).to_have_text(
        [re.compile(rf"^{re.escape(code)} \w") for code in SECTIONS]
    )
    first = report_section(page, TASK)
    expect(first.get_by_label(VI["percent"])).to_have_value("40")  # the latest update goes with the report
    expect(first.get_by_label(VI["state"]).locator("option:checked")).to_have_text(VI["working"])
    expect(first.get_by_label(VI["results_of_period"])).to_have_value(PROGRESS_RESULTS)
    expect(first.get_by_role("link", name=EVIDENCE_NAME)).to_be_visible()
    for code in SECTIONS[1:]:
        expect(report_section(page, code).get_by_label(VI["results_of_period"])).to_have_value("")

    # On the phone: nothing runs off the side, and the submit button is at hand while reading.
    submit = page.get_by_role("button", name=VI["submit_report"], exact=True)
    save = page.get_by_role("button", name=VI["save_draft"])
    scroll_to(page, page.get_by_role("heading", name=VI["results_by_task"]))
    expect_fits_the_phone(page, "the report form")
    expect_reachable(page, submit, "the report form, at its first section")
    expect_reachable(page, save, "the report form, at its first section")
    on_phone(page, "05a-report-form-phone")
    # Further down: the figures the unit answers for, and the end of the form.
    figures_part = page.get_by_role("heading", name=VI["figures_part"])
    scroll_to(page, figures_part)
    expect_reachable(page, submit, "the report form, at its figures")
    on_phone(page, "05b-report-form-figures-phone")

    # Every section's results, typed in; IV.4.1 keeps its pre-fill and gets a line more. The
    # last one is forgotten at first.
    for code in SECTIONS[:-1]:
        results = report_section(page, code).get_by_label(VI["results_of_period"])
        type_into(results, ("\n" + IV_4_1_MORE) if code == TASK else SECTION_RESULTS[code])
        expect(results).to_have_value(SECTION_RESULTS[code])
        expect_reachable(page, submit, f"the report form, typing in {code}")
    middle = report_section(page, "VI.3.2")
    scroll_to(page, middle)
    expect_reachable(page, submit, "the report form, halfway down")
    on_phone(page, "05c-report-form-typed-phone")
    submit.click()

    # Refused for the empty section; everything typed is kept (and saved as a draft), and the
    # section is marked.
    refusal = page.locator("main > .alert-danger[role=alert]")
    expect(refusal).to_contain_text(SECTIONS[-1])
    expect(refusal).to_contain_text(VI["saved_as_draft"])
    last = report_section(page, SECTIONS[-1])
    expect(last.get_by_label(VI["results_of_period"])).to_have_attribute("aria-invalid", "true")
    expect(last).to_contain_text(VI["write_results"])
    expect(
        page.get_by_role("navigation", name=VI["report_sections"]).get_by_role("listitem").filter(has_text=SECTIONS[-1])
    ).to_contain_text(VI["to_correct"])
    for code in SECTIONS[:-1]:
        expect(report_section(page, code).get_by_label(VI["results_of_period"])).to_have_value(SECTION_RESULTS[code])
    on_phone(page, "05d-report-form-section-missing-phone", focus=last)

    type_into(last.get_by_label(VI["results_of_period"]), SECTION_RESULTS[SECTIONS[-1]])
    expect(save).to_be_visible()
    save.click()
    expect_flash(page, VI["draft_saved"])
    close(page)

    # Back later, in another browser: the home page says it is a draft, and every word is there.
    page = open_as(browser, live_server, "officer", PHONE)
    owed = section(page, VI["reports_owed"]).get_by_role("listitem")
    expect(owed).to_contain_text(VI["draft"])
    owed.get_by_role("link", name=REPORT_LINK).click()
    expect_report_heading(page, OFFICER_UNIT)
    for code in SECTIONS:
        expect(report_section(page, code).get_by_label(VI["results_of_period"])).to_have_value(SECTION_RESULTS[code])
    type_into(page.get_by_label(VI["general_assessment"]), ASSESSMENT)
    submit = page.get_by_role("button", name=VI["submit_report"], exact=True)
    expect_fits_the_phone(page, "the report form, filled in")
    expect_reachable(page, submit, "the report form, at its top")  # sticky: in reach from the first screen
    on_phone(page, "05e-report-form-draft-back-phone", focus=page.get_by_label(VI["general_assessment"]))
    page.evaluate("() => window.scrollTo(0, document.scrollingElement.scrollHeight)")
    expect_reachable(page, submit, "the report form, at its end")
    on_phone(page, "05f-report-form-end-phone")
    submit.click()

    expect_flash(page, VI["report_submitted"])
    main = page.locator("main")
    expect_report_heading(page, OFFICER_UNIT)
    expect(main).to_contain_text(VI["submitted_waiting"])
    expect(main).to_contain_text(VI["sent_on_time"])
    for code in SECTIONS:
        expect(shown_section(page, code)).to_contain_text(SECTION_RESULTS[code])
    expect(main).to_contain_text(ASSESSMENT)
    on_phone(page, "06-report-submitted-phone")
    close(page)


# --- 2. the secretariat returns it, pointing at one section -----------------------------------


def test_2_secretariat_returns_the_report_pointing_at_one_section(browser, live_server):
    live_server.set_clock(RETURNED_AT)
    page = open_as(browser, live_server, "secretariat", PHONE)
    expect(page.get_by_role("heading", name=VI["review_reports"], level=1)).to_be_visible()
    waiting = page.locator("section[aria-labelledby=waiting-heading]").get_by_role("listitem")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(OFFICER_UNIT)
    expect(waiting).to_contain_text(VI["n_tasks"].format(n=len(SECTIONS)))
    expect(waiting).to_contain_text(VI["sent_on_time"])
    on_phone(page, "07-review-queue-phone")

    waiting.get_by_role("link", name=OFFICER_UNIT, exact=True).click()
    expect_report_heading(page, OFFICER_UNIT)
    expect(page.locator("main section[id^=section-] .task-code")).to_have_text(
        [f"{n}. {code}" for n, code in enumerate(SECTIONS, start=1)]
    )
    expect(shown_section(page, RETURNED_TASK)).to_contain_text(SECTION_RESULTS[RETURNED_TASK])
    # The decision comes after the reading: the review form is below the last section.
    review = page.get_by_role("heading", name=VI["review"], exact=True)
    last_section = shown_section(page, SECTIONS[-1])
    assert review.bounding_box()["y"] > last_section.bounding_box()["y"] + last_section.bounding_box()["height"], (
        "the review form comes after the report's sections"
    )
    page.get_by_label(VI["return"]).check()
    which = page.get_by_label(VI["section_to_fix"])
    expect(which.locator("option:checked")).to_have_text(VI["whole_report"])
    which.select_option(label=f"{RETURNED_TASK} {RETURNED_TASK_TITLE}")
    type_into(page.get_by_label(VI["comment_or_reason"]), RETURN_REASON)
    on_phone(page, "08-report-review-form-phone", focus=page.get_by_role("heading", name=VI["review"], exact=True))
    page.get_by_role("button", name=VI["record_decision"]).click()

    expect_flash(page, VI["report_returned"])
    expect(page.get_by_role("heading", name=VI["review_reports"], level=1)).to_be_visible()
    returned = section(page, VI["returned_not_resubmitted"]).get_by_role("listitem")
    expect(returned).to_have_count(1)
    expect(returned).to_contain_text(OFFICER_UNIT)
    expect(returned).to_contain_text(VI["returned"])
    expect(page.locator("section[aria-labelledby=waiting-heading]")).to_contain_text(VI["nothing_waiting"])
    on_phone(page, "09-review-queue-returned-phone", focus=section(page, VI["returned_not_resubmitted"]))
    close(page)


# --- 3. the officer fixes that section and resubmits -------------------------------------------


def test_3_officer_finds_the_reason_at_the_section_fixes_it_and_resubmits(browser, live_server):
    live_server.set_clock(RESUBMITTED_AT)  # after the unit deadline: the first submission still counts
    page = open_as(browser, live_server, "officer", PHONE)
    returned = section(page, VI["reports_returned"])
    expect(returned.get_by_role("link", name=SIX_MONTH_2026, exact=True)).to_be_visible()
    expect(returned).to_contain_text(RETURN_REASON)
    # The home page names the section to fix, with a link straight to it in the form.
    to_fix = returned.get_by_role("link", name=f"{RETURNED_TASK} {RETURNED_TASK_TITLE}", exact=True)
    expect(to_fix).to_have_attribute("href", re.compile(r"/report#section-\d+$"))
    expect(returned).to_contain_text(f"{VI['section_named_to_fix']}: {RETURNED_TASK} {RETURNED_TASK_TITLE}")
    # A returned report is owed again until it is sent back.
    owed = section(page, VI["reports_owed"]).get_by_role("listitem")
    expect(owed).to_have_count(1)
    expect(owed.get_by_role("link")).to_have_text(REPORT_LINK)
    expect(owed).to_contain_text(VI["returned"])
    on_phone(page, "10-officer-returned-report-phone")

    returned.get_by_role("link", name=SIX_MONTH_2026, exact=True).click()
    notice = page.get_by_role("alert").filter(has_text=VI["returned"])
    expect(notice).to_contain_text(RETURN_REASON)
    on_phone(page, "11a-report-edit-returned-phone", focus=notice)
    # The notice leads to the one section to fix, which says what to fix; the others say nothing.
    notice.get_by_role("link", name=f"{VI['see_section']} {RETURNED_TASK}").click()
    page.wait_for_url(re.compile(r"#section-\d+$"))
    fix = report_section(page, RETURNED_TASK)
    expect(fix).to_be_in_viewport()
    expect(fix).to_contain_text(f"{VI['to_fix']}: {RETURN_REASON}")
    for code in SECTIONS:
        if code != RETURNED_TASK:
            expect(report_section(page, code)).not_to_contain_text(VI["to_fix"])
    on_phone(page, "11b-report-section-to-fix-phone", focus=fix)
    results = fix.get_by_label(VI["results_of_period"])
    expect(results).to_have_value(SECTION_RESULTS[RETURNED_TASK])
    type_into(results, "\n" + RETURNED_TASK_FIX)
    expect(results).to_have_value(FIXED_RESULTS)
    submit = page.get_by_role("button", name=VI["submit_report"], exact=True)
    expect_fits_the_phone(page, "the returned report's form")
    expect_reachable(page, submit, "the returned report's form, at the section to fix")
    on_phone(page, "11c-report-section-fixed-phone", focus=fix)
    submit.click()

    expect_flash(page, VI["report_submitted"])
    main = page.locator("main")
    expect(main).to_contain_text(VI["submitted_waiting"])
    expect(main).to_contain_text(VI["sent_on_time"])  # resubmitted on 08/06: the first submission (03/06) counts
    expect(shown_section(page, RETURNED_TASK)).to_contain_text(RETURNED_TASK_FIX)
    expect(main).not_to_contain_text(VI["to_fix"])
    versions = section(page, VI["submitted_versions"]).get_by_role("link")
    expect(versions).to_have_text([VI["version"].format(n=1), VI["version"].format(n=2)])
    on_phone(page, "12-report-resubmitted-phone")

    go_by_phone_menu(page, VI["my_unit"])
    expect(page.get_by_role("heading", name=VI["reports_returned"])).to_have_count(0)
    expect(section(page, VI["reports_owed"]).get_by_role("listitem")).to_have_count(0)  # sent back: owed no more
    sent = section(page, VI["sent_reports"]).get_by_role("listitem").filter(has_text=SIX_MONTH_2026)
    expect(sent).to_contain_text(VI["submitted_waiting"])
    expect(sent).to_contain_text(VI["sent_on_time"])
    on_phone(page, "13-officer-unit-page-after-resubmission-phone", focus=sent)
    close(page)


# --- 4. the secretariat reads the fix and accepts ----------------------------------------------


def test_4_secretariat_reads_the_fixed_section_and_accepts_the_report_from_the_queue(browser, live_server):
    live_server.set_clock(ACCEPTED_AT)
    page = open_as(browser, live_server, "secretariat", PHONE)
    waiting = page.locator("section[aria-labelledby=waiting-heading]").get_by_role("listitem")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(OFFICER_UNIT)
    expect(waiting).to_contain_text(VI["sent_on_time"])
    waiting.get_by_role("link", name=OFFICER_UNIT, exact=True).click()
    expect(shown_section(page, RETURNED_TASK)).to_contain_text(RETURNED_TASK_FIX)
    history = section(page, VI["history"])
    expect(history).to_contain_text(f"{VI['event_returned']} ({RETURNED_TASK})")
    expect(history).to_contain_text(RETURN_REASON)
    on_phone(page, "14a-report-resubmitted-review-phone", focus=shown_section(page, RETURNED_TASK))

    page.go_back()
    page.get_by_role("checkbox", name=VI["select_report_of"].format(unit=OFFICER_UNIT)).check()
    page.get_by_role("button", name=VI["accept_selected"]).click()

    expect_flash(page, VI["accepted_one"])
    accepted = section(page, VI["accepted"]).get_by_role("listitem")
    expect(accepted).to_have_count(1)
    expect(accepted).to_contain_text(OFFICER_UNIT)
    expect(accepted).to_contain_text(VI["sent_on_time"])
    expect(page.get_by_text(f"{VI['accepted']}: 1", exact=True)).to_be_visible()
    on_phone(page, "14b-review-queue-accepted-phone", focus=section(page, VI["accepted"]))
    close(page)


def league_figure(page, unit: str, figure: str):
    """One figure of a unit's card in the league table ("Báo cáo đã gửi" -> "1/1 · đúng hạn 1/1")."""
    card = page.locator("[data-unit]").filter(has=page.get_by_role("heading", name=unit, exact=True))
    return (
        card.locator("dt")
        .filter(has_text=re.compile(f"^{re.escape(figure)}$"))
        .locator("xpath=following-sibling::dd[1]")
    )


def task_row(page, title: str):
    """The row of the printable ward report's task table on the task of that title (with or
    without its code before it: "VI.3.2. Rà soát, ..." or "Rà soát, ...")."""
    return page.get_by_role("row").filter(
        has=page.get_by_role("cell", name=re.compile(rf"^([IVX]+(\.\d+)*\. )?{re.escape(title)}$"))
    )


def test_4b_the_chair_sees_the_report_sent_and_the_ward_report_has_its_text(browser, live_server):
    live_server.set_clock(ACCEPTED_AT)
    page = open_as(browser, live_server, "chair", PHONE)
    # The chair lands on the league table: no menu to open.
    assert page.url == live_server.plan_url("/accountability/"), page.url
    expect(page.get_by_role("heading", name=VI["league_title"], level=1)).to_be_visible()
    page.get_by_label(VI["period"], exact=True).select_option(label=SIX_MONTH_2026)
    page.get_by_role("button", name=VI["show"], exact=True).click()
    page.wait_for_url(re.compile(rf"period={live_server.period_id('six_month', 2026)}"))
    expect(page.get_by_label(VI["period"], exact=True).locator("option:checked")).to_have_text(SIX_MONTH_2026)
    # One report owed by the unit for the period, and sent, on time; nobody else has sent theirs.
    expect(league_figure(page, OFFICER_UNIT, VI["reports_sent"])).to_have_text("1/1 · đúng hạn 1/1")
    expect(card_of(page, OFFICER_UNIT)).to_contain_text(VI["nothing_late"])
    others = page.locator("[data-unit]").filter(has_not=page.get_by_role("heading", name=OFFICER_UNIT, exact=True))
    assert others.count() >= 10, "the league table shows every unit"
    sent = [
        league_figure(page, name, VI["reports_sent"]).inner_text()
        for name in others.get_by_role("heading").all_inner_texts()
    ]
    assert all(text.startswith("0/") for text in sent), sent
    expect_fits_the_phone(page, "the league table")
    scroll_to(page, page.locator("[data-unit]").filter(has=page.get_by_role("heading", name=OFFICER_UNIT, exact=True)))
    shot(page, "14c-league-table-six-month-phone", full_page=False)

    # The ward's report of the period counts the unit's nine accepted sections and quotes them.
    go_by_phone_menu(page, VI["ward_reports"])
    page.get_by_role("link", name=SIX_MONTH_2026, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WARD_REPORT_TITLE)
    expect(page.locator("main")).to_contain_text(VI["tasks_reported"].format(n=len(SECTIONS)))
    shot(page, "14d-ward-report-phone", full_page=False)
    page.get_by_role("link", name=VI["printable_page"]).click()
    line = task_row(page, RETURNED_TASK_TITLE)
    expect(line).to_have_count(1)
    expect(line).to_contain_text(OFFICER_UNIT)
    expect(line).to_contain_text(SECTION_RESULTS[RETURNED_TASK])
    expect(line).to_contain_text(RETURNED_TASK_FIX)
    expect(task_row(page, TASK_TITLE)).to_contain_text(IV_4_1_MORE)
    line.scroll_into_view_if_needed()
    shot(page, "14e-ward-report-printable-phone", full_page=False)
    close(page)


# --- 5. a committee member asks, the officer answers ----------------------------------------


def test_5_committee_asks_the_unit_a_question_and_the_officer_answers(browser, live_server):
    live_server.set_clock(ACCEPTED_AT)
    committee = open_as(browser, live_server, "committee")
    assert committee.url == live_server.plan_url("/dashboard/"), (
        f"a committee member lands on the dashboard, not {committee.url}"
    )
    expect(committee.get_by_role("heading", name=VI["committee_dashboard"], level=1)).to_be_visible()
    committee.goto(live_server.plan_url(f"/tasks/{TASK}"))
    ask = discussion_form(committee, VI["ask_question"])
    ask.get_by_role("combobox").select_option(label=OFFICER_UNIT)
    # Found by its place in the form, not by its label "Câu hỏi", which points at the comment
    # box: see test_task_page_discussion_fields_have_their_own_labels.
    ask.get_by_role("textbox").fill(QUESTION)
    ask.get_by_role("button", name=VI["send_question"]).click()
    expect_flash(committee, VI["question_sent"])
    discussion = section(committee, "Ý kiến, câu hỏi và chỉ đạo")
    expect(discussion).to_contain_text(QUESTION)
    expect(discussion).to_contain_text("chờ trả lời")
    shot(committee, "15-question-asked")

    officer = open_as(browser, live_server, "officer", PHONE)
    waiting = section(officer, VI["waiting_answer"])
    expect(waiting).to_contain_text(QUESTION)
    expect(waiting).to_contain_text("Bancd")
    on_phone(officer, "16-officer-question-phone", focus=waiting)
    waiting.get_by_label(VI["your_answer"]).fill(ANSWER)
    waiting.get_by_role("button", name=VI["send_answer"]).click()
    expect_flash(officer, VI["answer_sent"])
    expect(officer.get_by_role("heading", name=re.compile(VI["waiting_answer"]))).to_have_count(0)
    on_phone(officer, "17-officer-question-answered-phone")
    close(officer)

    committee.reload()
    discussion = section(committee, "Ý kiến, câu hỏi và chỉ đạo")
    expect(discussion).to_contain_text(f"{VI['answer']} (Canbo.Vhxh")
    expect(discussion).to_contain_text(ANSWER)
    expect(discussion).not_to_contain_text("chờ trả lời")
    shot(committee, "18-question-answered")
    close(committee)


def discussion_form(page, summary: str):
    """Open one of the task page's folded discussion forms ("Đặt câu hỏi cho đơn vị", ...)."""
    details = page.locator("#discussion details").filter(has=page.get_by_text(summary, exact=True))
    details.get_by_text(summary, exact=True).click()
    expect(details.locator("form")).to_be_visible()
    return details


def test_task_page_discussion_fields_have_their_own_labels(browser, live_server):
    page = open_as(browser, live_server, "chair")
    page.goto(live_server.plan_url(f"/tasks/{TASK}"))
    ask = discussion_form(page, VI["ask_question"])
    issue = discussion_form(page, VI["issue_directive"])
    problems = []
    for form, tag, label in (
        (ask, "select", VI["unit_asked"]),
        (ask, "textarea", VI["question"]),
        (issue, "select", VI["unit"]),
        (issue, "textarea", VI["directive"]),
    ):
        field = form.locator(tag)
        form.locator("label").filter(has_text=re.compile(f"^{re.escape(label)}$")).click()
        if not field.evaluate("field => field === document.activeElement"):
            problems.append(f"clicking the label '{label}' does not put the cursor in its field")
        names = field.evaluate("field => [...field.labels].map(label => label.innerText.trim())")
        if names != [label]:
            problems.append(f"the field under '{label}' is labelled {names}")
    assert not problems, "\n".join(problems)


# --- 6. the chair issues a directive --------------------------------------------------------


def test_6_chair_issues_a_directive_with_a_due_date(browser, live_server):
    live_server.set_clock(ACCEPTED_AT)
    page = open_as(browser, live_server, "chair")
    page.locator("#main-nav").get_by_role("link", name=VI["directives"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["issue_directive"])).to_be_visible()
    unit = page.get_by_label(VI["unit"], exact=True)
    expect(unit.locator("option:checked")).to_have_text(VI["choose_unit"])  # no unit chosen for the chair
    unit.select_option(label=OFFICER_UNIT)
    page.get_by_label(VI["directive"], exact=True).fill(DIRECTIVE)
    # The due date is typed as the ward writes it, whatever the browser's own date format.
    due = page.get_by_label(VI["due_date"])
    expect(due).to_have_attribute("placeholder", "dd/mm/yyyy")
    due.press_sequentially(DIRECTIVE_DUE)
    shot(page, "19a-directive-form")
    page.get_by_role("button", name=VI["issue"], exact=True).click()

    expect_flash(page, VI["directive_issued"])
    issued = page.locator("main .card").filter(has_text=DIRECTIVE)
    expect(issued).to_contain_text(f"→ {OFFICER_UNIT}")
    expect(issued).to_contain_text(f"hạn {DIRECTIVE_DUE}")
    shot(page, "19b-directive-issued")
    close(page)


# --- 6b. the admin opens an account for the unit the chair will chase ---------------------------

# On 12/06 every unit but Phòng Văn hóa – Xã hội is a week late with its 6-month report, and nothing
# else is later: the league table (longest late first, then the plan's order) starts with UBND
# phường. The test data has no officer for it: the admin opens one on the eve of the scan, so the
# scan's news and, later, the chair's chase reach a person (test_7b).
CHASED_UNIT = "UBND phường"
CHASED_OFFICER = "canbo.ubnd"
CHASED_OFFICER_NAME = "Hoàng Văn Bình"
CHASED_OFFICER_PASSWORD = "Don doc bao cao 2026"
CHASED_AT = "2026-06-12T10:30:00+07:00"  # the scan's day, after the scan (09:00)
CHASE_DIRECTIVE = "UBND phường gửi ngay báo cáo 6 tháng năm 2026 cho cơ quan thường trực, kèm số liệu giảm nghèo."
CHASE_DIRECTIVE_DUE = "19/06/2026"


def test_6b_admin_opens_an_officer_account_for_the_ward_committees_own_tasks(browser, live_server):
    live_server.set_clock("2026-06-11T16:00:00+07:00")
    page = open_as(browser, live_server, "admin")
    page.locator("#main-nav").get_by_role("link", name=VI["accounts"], exact=True).click()
    page.get_by_role("link", name=VI["new_account"], exact=True).click()
    page.get_by_label(VI["username"]).fill(CHASED_OFFICER)
    page.get_by_label(VI["full_name"]).fill(CHASED_OFFICER_NAME)
    page.get_by_label(VI["unit"], exact=True).select_option(label=CHASED_UNIT)
    page.get_by_label(VI["role_officer"], exact=True).check()
    page.get_by_label(VI["password"], exact=True).fill(CHASED_OFFICER_PASSWORD)
    page.get_by_role("button", name=VI["save"], exact=True).click()
    expect_flash(page, VI["account_created"].format(username=CHASED_OFFICER))
    accounts = {row[VI["username"]]: row for row in table_rows(page.locator("main table"))}
    assert accounts[CHASED_OFFICER][VI["unit"]] == CHASED_UNIT, accounts[CHASED_OFFICER]
    close(page)


# --- 7. the alert scan, then the chair's bell, dashboard and league table -----------------------


def card_of(within, unit: str):
    """A unit's card in the league table (or on the unit's own accountability page), `within` the
    page or a part of it."""
    page = getattr(within, "page", within)
    return within.locator("[data-unit]").filter(has=page.get_by_role("heading", name=unit, exact=True))


def sent_and_owed(text: str) -> tuple[int, int]:
    """A card's "Báo cáo đã gửi" figure, "0/1 · đúng hạn 0/1" -> (0, 1): reports sent and owed."""
    match = re.match(r"\s*(\d+)/(\d+)", text)
    assert match, f"no sent/owed in {text!r}"
    return int(match.group(1)), int(match.group(2))


def test_7_after_the_alert_scan_the_chair_sees_alerts_dashboard_and_league_table(browser, live_server):
    live_server.set_clock(SCAN_NOW)
    result = live_server.flask("alerts", "scan", "--date", SCAN_DAY)
    assert result.exit_code == 0, result.output + repr(result.exception)

    page = open_as(browser, live_server, "chair")
    expect(page.get_by_role("heading", name=VI["league_title"], level=1)).to_be_visible()  # where the chair lands
    # The bell counts messages, not alerts: what the scan told the chair on 12/06 is ONE message.
    bell = page.get_by_test_id("bell-count")
    expect(bell).to_have_text("1")
    expect(page.get_by_role("link", name=VI["unread_label"].format(n=1), exact=True)).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name=VI["notifications"], level=1)).to_contain_text("1")
    expect(page.locator("main")).to_contain_text(VI["one_message_a_day"])
    messages = page.locator("main section.card")
    expect(messages).to_have_count(1)
    message = page.get_by_role("region", name="12/06/2026", exact=True)
    expect(message.get_by_role("heading", level=2)).to_contain_text(VI["unread"])
    # Grouped by unit, folded: one line per unit, each unit once, the tasks one click away.
    summaries = [text.strip() for text in message.locator("details > summary").all_inner_texts()]
    units = [text.split(":")[0] for text in summaries]
    assert len(summaries) >= 5 and len(units) == len(set(units)), summaries
    ours = message.locator("details").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(OFFICER_UNIT)}:"))
    )
    expect(ours.locator("summary")).to_contain_text(VI["directive_overdue_n"].format(n=1))
    expect(ours.locator("summary")).to_contain_text("từ 11/06/2026")  # due 10/06: late from the next day
    directive_line = ours.get_by_role("button", name=re.compile(re.escape(DIRECTIVE[:40])))
    expect(directive_line).to_be_hidden()  # folded until the unit is opened
    ours.locator("summary").click()
    expect(directive_line).to_be_visible()
    expect(directive_line).to_contain_text(DIRECTIVE_DUE)
    # What stayed open too long passed to the chair, in the same message ("Chuyển Trưởng ban").
    passed_on = message.get_by_role("button", name=re.compile(f"^{re.escape(VI['escalated'])}: "), include_hidden=True)
    assert passed_on.count() > 0, "the escalations are lines of the day's message"
    expect(page.locator("main")).not_to_contain_text("Đã báo cáo Trưởng ban")
    shot(page, "20-chair-notifications", full_page=False)

    # The dashboard: its first screen is tiles, each opening its list; the filters are folded.
    page.locator("#main-nav").get_by_role("link", name=VI["dashboard"], exact=True).click()
    expect(page.get_by_text(f"{VI['today']} 12/06/2026")).to_be_visible()
    key = page.get_by_role("region", name=VI["key_figures"])
    overdue_tile = key.get_by_role("link", name=re.compile(rf"^\d+ {VI['tasks_overdue']}$"))
    late_tile = key.get_by_role("link", name=re.compile(rf"^\d+ {VI['units_late_reporting']}$"))
    expect(overdue_tile).to_be_in_viewport()
    expect(late_tile).to_be_in_viewport()
    filters = page.locator("main details").filter(has=page.locator("summary", has_text=VI["filters"]))
    expect(filters.get_by_role("button")).to_be_hidden()
    expect(page.locator("main table")).to_have_count(0)  # lists and cards, no wide tables
    # "Quá hạn" is about the work: on 12/06 no task is past its own due date (reports are late,
    # not tasks), so the overdue list is empty and says so.
    assert number_in(overdue_tile.inner_text()) == 0
    overdue = section(page, VI["overdue_tasks"])
    expect(overdue).to_contain_text(VI["no_task_overdue"])
    reporting = section(page, VI["reporting_status"])
    expect(reporting.get_by_role("heading")).to_contain_text(SIX_MONTH_2026)
    units = reporting.get_by_role("listitem")
    ours = units.filter(has=page.get_by_role("link", name=OFFICER_UNIT, exact=True))
    expect(ours).to_contain_text(VI["accepted"])
    expect(ours).to_contain_text(VI["sent_on_time"])
    summary = re.search(r"(\d+) đơn vị phải gửi báo cáo · đã gửi (\d+) · đúng hạn (\d+)", reporting.inner_text())
    assert summary, reporting.inner_text()
    owing, sent, on_time = map(int, summary.groups())
    assert (sent, on_time) == (1, 1) and owing >= 4, summary.group(0)
    expect(units).to_have_count(owing)
    # Every other unit is a week late with its report on 12/06 (unit deadline 05/06): "chậm", never "quá hạn".
    expect(units.filter(has_text=VI["report_late_7"])).to_have_count(owing - 1)
    expect(reporting).not_to_contain_text("quá hạn")
    assert number_in(late_tile.inner_text()) == owing - 1, late_tile.inner_text()
    shot(page, "21-committee-dashboard")
    shot(page, "21a-committee-dashboard-first-screen", full_page=False)

    # The league table: a card per unit, worst first, UBND's offices apart from the bodies outside
    # UBND's apparatus.
    page.locator("#main-nav").get_by_role("link", name=VI["accountability"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["league_title"], level=1)).to_be_visible()
    expect(page.locator("main table")).to_have_count(0)
    inside = section(page, VI["inside_ubnd"])
    outside = section(page, VI["outside_ubnd"])
    expect(inside.locator("[data-unit]").first).to_be_visible()
    expect(outside.locator("[data-unit]").first).to_be_visible()
    for group in (inside, outside):  # the badge counts the group's cards
        expect(group.get_by_role("heading", level=2)).to_have_text(
            re.compile(rf" {group.locator('[data-unit]').count()}$")
        )
    expect(card_of(outside, "Công an phường")).to_have_count(1)
    expect(card_of(inside, OFFICER_UNIT)).to_have_count(1)
    # UBND chases its own offices ("Đôn đốc") and requests of the bodies outside it ("Đề nghị").
    expect(card_of(inside, OFFICER_UNIT).get_by_role("button", name=VI["chase"], exact=True)).to_be_visible()
    expect(card_of(outside, "Công an phường").get_by_role("button", name=VI["request"], exact=True)).to_be_visible()
    cards = page.locator("[data-unit]")
    names = cards.get_by_role("heading", level=3).all_inner_texts()
    expect(league_figure(page, OFFICER_UNIT, VI["reports_sent"])).to_have_text(
        "1/1 · đúng hạn 1/1"
    )  # one owed to date, sent
    missing = [
        name
        for name in names
        if (lambda s, o: s < o)(*sent_and_owed(league_figure(page, name, VI["reports_sent"]).inner_text()))
    ]
    assert OFFICER_UNIT not in missing and len(missing) >= 3, f"units with missing reports: {missing}"
    # Every late card says what is late the longest, and since when; the count above says how many.
    late = [name for name in names if card_of(page, name).get_by_text(re.compile(f"^{VI['longest_late']}: ")).count()]
    expect(page.get_by_text(VI["units_late"].format(n=len(late)))).to_be_visible()
    for name in missing:
        expect(card_of(page, name).get_by_text(re.compile(f"^{VI['longest_late']}: "))).to_have_text(
            f"{VI['longest_late']}: " + VI["late_report_item"].format(report=SIX_MONTH_2026, n=7, since="06/06/2026")
        )
    expect(card_of(page, OFFICER_UNIT)).to_contain_text(f"{VI['longest_late']}: ")  # the overdue directive
    expect(card_of(page, OFFICER_UNIT)).to_contain_text("từ 11/06/2026")
    expect(page.locator("main")).not_to_contain_text("quá hạn 7 ngày")
    shot(page, "22-league-table")

    page.get_by_label(VI["order"], exact=True).select_option(label=VI["lowest_reporting_rate"])
    page.get_by_role("button", name=VI["show"], exact=True).click()
    page.wait_for_url(re.compile(r"sort=reporting_rate"))
    expect(page.get_by_label(VI["order"], exact=True).locator("option:checked")).to_have_text(
        VI["lowest_reporting_rate"]
    )
    rates = []
    for name in page.locator("[data-unit]").get_by_role("heading", level=3).all_inner_texts():
        sent, owed = sent_and_owed(league_figure(page, name, VI["reports_sent"]).inner_text())
        rates.append(sent / owed if owed else None)
    known = [r for r in rates if r is not None]
    for group in (inside, outside):  # sorted within each group
        group_rates = []
        for name in group.locator("[data-unit]").get_by_role("heading", level=3).all_inner_texts():
            sent, owed = sent_and_owed(league_figure(page, name, VI["reports_sent"]).inner_text())
            group_rates.append(sent / owed if owed else None)
        group_known = [r for r in group_rates if r is not None]
        assert group_known == sorted(group_known), f"sorted by reporting rate, worst first: {group_rates}"
        assert group_rates[: len(group_known)] == group_known, f"units with nothing owed come last: {group_rates}"
    assert known, rates
    shot(page, "23-league-table-by-reporting-rate")
    close(page)


# --- 7b. the chair chases the worst unit from a phone, and issues it a directive --------------


def test_7b_the_chair_chases_the_worst_unit_and_issues_a_directive_then_its_officer_sees_both_on_a_phone(
    browser, live_server
):
    live_server.set_clock(CHASED_AT)
    longest = VI["late_report_item"].format(report=SIX_MONTH_2026, n=7, since="06/06/2026")

    # The chair signs in on a phone and is on the accountability table at once: no navigation.
    page = new_page(browser, PHONE)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sign_in(page, live_server, "chair")
    assert page.url == live_server.plan_url("/accountability/"), (
        f"the chair lands on the accountability table, not {page.url}"
    )
    expect(page.get_by_role("heading", name=VI["league_title"], level=1)).to_be_visible()
    expect(page.get_by_role("button", name=VI["show_menu"])).to_have_attribute("aria-expanded", "false")
    # The worst unit comes first, with what is late the longest and since when.
    worst = page.locator("[data-unit]").first
    expect(worst.get_by_role("heading", level=3)).to_have_text(CHASED_UNIT)
    expect(worst.get_by_text(re.compile(f"^{VI['longest_late']}: "))).to_have_text(f"{VI['longest_late']}: {longest}")
    expect(league_figure(page, CHASED_UNIT, VI["reports_late"])).to_have_text("1 (từ 06/06/2026)")
    expect(league_figure(page, CHASED_UNIT, VI["chased_figure"])).to_have_text("0")
    expect_fits_the_phone(page, "the league table")
    PHONE_PAGES.check(page, "29a-chair-lands-on-league-table-phone")
    shot(page, "29a-chair-lands-on-league-table-phone", full_page=False)

    # One action chases it: the in-app message and e-mail go out, and the text for the ward's chat
    # groups is ready, with the link to the unit's page.
    chase = worst.get_by_role("button", name=VI["chase"], exact=True)
    scroll_to(page, worst)
    expect_reachable(page, chase, "the worst unit's card")
    shot(page, "29b-worst-unit-card-phone", full_page=False)
    chase.click()
    expect_flash(page, VI["chased_flash"].format(unit=CHASED_UNIT, n=1))
    expect(page.get_by_role("heading", name=f"{VI['chased']}: {CHASED_UNIT}", level=1)).to_be_visible()
    text = page.get_by_label(VI["chase_text"])
    expect(text).to_have_attribute("readonly", "")
    chase_text = text.input_value()
    assert f"{VI['urges']} {CHASED_UNIT}" in chase_text, chase_text
    assert longest in chase_text, chase_text
    link = re.search(r"https?://\S+", chase_text)
    assert link and link.group(0).endswith(f"/plans/{live_server.plan_id}/my-unit"), chase_text
    copy = page.get_by_role("button", name=VI["copy_text"], exact=True)
    expect_reachable(page, copy, "the chase page")
    expect_fits_the_phone(page, "the chase page")
    PHONE_PAGES.check(page, "29c-chase-text-phone")
    copy.click()
    expect(page.get_by_role("button", name=VI["copied"], exact=True)).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == chase_text, "the copied text is the chase's text"
    shot(page, "29c-chase-text-phone", full_page=False)
    violations = axe_violations(page)
    assert not violations, "axe-core on the chase page (phone):\n" + describe_violations(violations)

    # Back on the league table, the card counts the chase.
    page.get_by_role("link", name=VI["back"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["league_title"], level=1)).to_be_visible()
    worst = card_of(page, CHASED_UNIT)
    expect(league_figure(page, CHASED_UNIT, VI["chased_figure"])).to_have_text("1 (gần nhất 12/06/2026)")

    # A directive from the same card: the unit comes chosen; the due date is typed as dd/mm/yyyy.
    worst.get_by_role("link", name=VI["issue_directive"], exact=True).click()
    page.wait_for_url(re.compile(r"/directives\?unit=\d+#issue$"))
    form = page.locator("#issue")
    expect(form.get_by_label(VI["unit"], exact=True).locator("option:checked")).to_have_text(CHASED_UNIT)
    expect(form.get_by_role("heading", name=VI["issue_directive"])).to_be_in_viewport()
    type_into(form.get_by_label(VI["directive"], exact=True), CHASE_DIRECTIVE)
    due = form.get_by_label(VI["due_date"])
    type_into(due, CHASE_DIRECTIVE_DUE)
    expect(due).to_have_value(CHASE_DIRECTIVE_DUE)
    expect_fits_the_phone(page, "the directive form")
    PHONE_PAGES.check(page, "29d-directive-from-card-phone")
    scroll_to(page, form)
    shot(page, "29d-directive-from-card-phone", full_page=False)
    form.get_by_role("button", name=VI["issue"], exact=True).click()
    expect_flash(page, VI["directive_issued"])
    issued = page.locator("main .card").filter(has_text=CHASE_DIRECTIVE)
    expect(issued).to_contain_text(f"→ {CHASED_UNIT}")
    expect(issued).to_contain_text(f"hạn {CHASE_DIRECTIVE_DUE}")
    shot(page, "29e-directive-issued-phone", full_page=False)
    close(page)

    # The unit's officer, on a phone: the bell is in sight without opening the menu, and counts
    # one message for the day (the scan's news and the chase together).
    page = new_page(browser, PHONE)
    sign_in(page, live_server, username=CHASED_OFFICER, password=CHASED_OFFICER_PASSWORD)
    assert page.url.endswith(f"/plans/{live_server.plan_id}/my-unit"), "the chase's link is where the officer lands"
    expect(page.get_by_role("heading", name=CHASED_UNIT, level=1)).to_be_visible()
    expect(page.get_by_role("button", name=VI["show_menu"])).to_have_attribute("aria-expanded", "false")
    bell = page.get_by_role("link", name=VI["unread_label"].format(n=1), exact=True)
    expect(bell).to_be_visible()
    expect_reachable(page, bell, "the unit page's first screen")
    # The chase, on the unit's page, word for word.
    chased = page.locator("section[aria-labelledby=chases-heading]")
    expect(chased.get_by_role("heading", level=2)).to_have_text(f"{VI['chased']} 1")
    expect(chased).to_contain_text(chase_text)
    expect(chased).to_contain_text("12/06/2026")
    # The directive, waiting for the unit's answer, with its due date and the reply form.
    waiting = section(page, VI["waiting_answer"])
    directive = waiting.locator(".card").filter(has_text=CHASE_DIRECTIVE)
    expect(directive).to_contain_text(f"hạn {CHASE_DIRECTIVE_DUE}")
    expect(directive.get_by_label(VI["unit_reply"])).to_be_editable()
    expect_fits_the_phone(page, "the chased unit's page")
    on_phone(page, "29f-chased-officer-unit-page-phone")
    on_phone(page, "29g-chased-officer-directive-phone", focus=waiting)

    # Under the bell: today's one message, the unit's line naming the chase beside the late report.
    bell.click()
    expect(page.get_by_role("heading", name=VI["notifications"], level=1)).to_contain_text("1")
    expect(page.locator("main section.card")).to_have_count(1)
    message = page.get_by_role("region", name="12/06/2026", exact=True)
    line = message.locator("details").filter(
        has=page.locator("summary", has_text=re.compile(f"^{re.escape(CHASED_UNIT)}:"))
    )
    expect(line).to_have_count(1)
    expect(line.locator("summary")).to_contain_text(VI["chased_n_times"].format(n=1))
    expect(line.locator("summary")).to_contain_text(VI["reports_late_n"].format(n=1))
    line.locator("summary").click()
    expect(line.get_by_role("button", name=chase_text, exact=True)).to_be_visible()
    expect_fits_the_phone(page, "the chased officer's notifications")
    on_phone(page, "29h-chased-officer-notifications-phone", focus=message)
    close(page)


# --- 8. the secretariat exports the ward report ---------------------------------------------


def test_8_secretariat_exports_the_ward_report_as_docx_and_xlsx(browser, live_server, tmp_path):
    import openpyxl

    page = open_as(browser, live_server, "secretariat")
    page.locator("#main-nav").get_by_role("link", name=VI["ward_reports"], exact=True).click()
    page.get_by_role("link", name=f"{VI['six_month']} 2026", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(WARD_REPORT_TITLE)
    expect(page.locator("main")).to_contain_text(VI["tasks_reported"].format(n=len(SECTIONS)))
    shot(page, "24-ward-report")

    with page.expect_download() as docx_download:
        page.get_by_role("link", name=VI["download_docx"]).click()
    assert docx_download.value.suggested_filename == "bao-cao-giam-ngheo-six-month-2026.docx"
    docx_path = tmp_path / docx_download.value.suggested_filename
    docx_download.value.save_as(docx_path)
    text = docx_text(docx_path)
    assert "BÁO CÁO" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    for code in SECTIONS:  # every accepted section's results, as the unit last sent them
        for line in FINAL_RESULTS[code].split("\n"):
            assert line in text, f"{code}: {line!r} is not in the ward report"

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name=VI["download_xlsx"]).click()
    assert xlsx_download.value.suggested_filename == "bao-cao-giam-ngheo-six-month-2026.xlsx"
    xlsx_path = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    workbook = openpyxl.load_workbook(xlsx_path)
    assert "Nhiệm vụ" in workbook.sheetnames, workbook.sheetnames
    sheet = list(workbook["Nhiệm vụ"].iter_rows(values_only=True))
    # The column headings' row (below the title block, if any), then a row per task.
    at = next(i for i, row in enumerate(sheet) if "Đơn vị chủ trì" in row)
    header = sheet[at]
    rows = {row[0]: dict(zip(header, row)) for row in sheet[at + 1 :]}
    assert TASK in rows, "IV.4.1 has a row in the tasks sheet"
    assert rows[TASK]["Nhiệm vụ"] == TASK_TITLE
    assert rows[TASK]["Đơn vị chủ trì"] == OFFICER_UNIT
    for code in (TASK, RETURNED_TASK):
        for line in FINAL_RESULTS[code].split("\n"):
            assert line in (rows[code]["Kết quả"] or ""), rows[code]
    close(page)


# --- the phone ------------------------------------------------------------------------------


def test_officer_pages_fit_a_phone():
    """Every page the officers (and the secretariat, in the report loop) saw on the 375×667 phone:
    no sideways scrolling, every visible link, button and form field within the screen's width."""
    assert len(PHONE_PAGES.pages) >= 10, f"the officer's scenarios ran first: {sorted(PHONE_PAGES.pages)}"
    assert not PHONE_PAGES.report(), "on a 375px-wide phone:\n" + PHONE_PAGES.report()


def test_phone_menu_opens_and_every_link_in_it_is_reachable(browser, live_server):
    page = open_as(browser, live_server, "officer", PHONE)
    menu = page.locator("#main-nav")
    expect(menu.get_by_role("link", name=VI["my_unit"], exact=True)).to_be_hidden()
    open_phone_menu(page)
    links = menu.get_by_role("link")
    assert links.count() >= 8
    for link in links.all():
        expect(link).to_be_visible()
        link.click(trial=True)  # visible, enabled and not covered: a finger can reach it
    problems = PHONE_PAGES.check(page, "25-phone-menu-open")
    shot(page, "25-phone-menu-open", full_page=False)
    assert not problems, "\n".join(problems)
    menu.get_by_role("link", name=VI["targets"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["targets"], level=1)).to_be_visible()
    close(page)


# --- accessibility --------------------------------------------------------------------------

# Each page as its usual reader sees it: (who, path). "{six_month}" stands for the 6-month 2026
# period's id. Trạm Y tế has not touched its report: its officer sees the empty form; Phòng Văn
# hóa – Xã hội's report is accepted by now, so the same address shows its officer the report.
AXE_PAGES = {
    "login": (None, "/login"),
    "unit-home": ("officer", "/my-unit"),
    "task": ("officer", f"/tasks/{TASK}"),
    "unit-report-form": ("officer_yte", "/periods/{six_month}/report"),
    "unit-report": ("officer", "/periods/{six_month}/report"),
    "review-queue": ("secretariat", "/review"),
    "dashboard": ("chair", "/dashboard/"),
    "league-table": ("chair", "/accountability/"),
    "directives": ("chair", "/directives"),
}


def _open_for_axe(browser, server, name: str, size: dict):
    role, path = AXE_PAGES[name]
    page = new_page(browser, size)
    if role is not None:
        sign_in(page, server, role)
        page.goto(server.plan_url(path.format(six_month=server.period_id("six_month", 2026))))
    else:
        page.goto(server.url + path)
    expect(page.locator("main h1")).to_be_visible()
    return page


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_violations_on_a_phone(browser, live_server, name):
    page = _open_for_axe(browser, live_server, name, PHONE)
    violations = axe_violations(page)
    close(page)
    assert not violations, f"axe-core on the {name} page (phone):\n" + describe_violations(violations)


def test_no_serious_accessibility_violations_in_the_open_phone_menu(browser, live_server):
    page = open_as(browser, live_server, "officer", PHONE)
    open_phone_menu(page)
    violations = axe_violations(page)
    close(page)
    assert not violations, "axe-core on the unit page with the menu open (phone):\n" + describe_violations(violations)


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_violations_on_a_desktop(browser, live_server, name):
    page = _open_for_axe(browser, live_server, name, DESKTOP)
    violations = axe_violations(page)
    close(page)
    assert not violations, f"axe-core on the {name} page (desktop):\n" + describe_violations(violations)


@pytest.mark.parametrize("name", list(AXE_PAGES))
def test_no_serious_accessibility_violations_in_the_content_on_a_desktop(browser, live_server, name):
    """The same pages without the menu bar (whose contrast fails above): the content itself."""
    page = _open_for_axe(browser, live_server, name, DESKTOP)
    violations = axe_violations(page, exclude=["nav.navbar"])
    close(page)
    assert not violations, f"axe-core on the {name} page (desktop, menu bar excluded):\n" + describe_violations(
        violations
    )


# --- tables, cards and lists ---------------------------------------------------------------

# (who, path, size): pages with tables, as their readers see them.
TABLE_PAGES = {
    "unit-accountability-desktop": pytest.param("chair", "/accountability/units/phong-vh-xh", DESKTOP),
    "targets-desktop": pytest.param("chair", "/targets/", DESKTOP),
    "ward-reports-desktop": pytest.param("secretariat", "/ward-reports/", DESKTOP),
}


@pytest.mark.parametrize(("role", "path", "size"), list(TABLE_PAGES.values()), ids=list(TABLE_PAGES))
def test_tables_show_names_and_years_in_whole_words(browser, live_server, role, path, size):
    page = open_as(browser, live_server, role, size)
    page.goto(live_server.plan_url(path))
    expect(page.locator("main table >> visible=true").first).to_be_visible()
    broken = words_broken_in_tables(page)
    close(page)
    assert not broken, f"words cut across lines in the tables of {path} ({size['width']}px):\n" + "\n".join(broken)


# (who, path, size, what the page is made of): the pages that show units and tasks as cards and
# lists rather than wide tables, at a phone's width and a desktop's. By now (test_7b) the league
# table holds chased units and the dashboard the late units, with the longest names of the plan.
CARD_PAGES = {
    "league-table-phone": pytest.param("chair", "/accountability/", PHONE, "[data-unit]"),
    "league-table-desktop": pytest.param("chair", "/accountability/", DESKTOP, "[data-unit]"),
    "dashboard-phone": pytest.param("committee", "/dashboard/", PHONE, "main .list-group-item"),
    "dashboard-desktop": pytest.param("committee", "/dashboard/", DESKTOP, "main .list-group-item"),
}


@pytest.mark.parametrize(("role", "path", "size", "items"), list(CARD_PAGES.values()), ids=list(CARD_PAGES))
def test_cards_and_lists_show_names_and_years_in_whole_words(browser, live_server, role, path, size, items):
    """Every word shown on the page (unit names, task titles, dates, "2026-2030") lies on one line:
    none is cut where a card or a list item is too narrow for it."""
    page = open_as(browser, live_server, role, size)
    page.goto(live_server.plan_url(path))
    expect(page.locator(items).first).to_be_visible()
    expect(page.locator("main table")).to_have_count(0)
    words, cut = words_cut(page, "main")
    shot(page, f"30-first-screen-{path.strip('/').replace('/', '-')}-{size['width']}", full_page=False)
    close(page)
    assert words > 200, f"only {words} words measured on {path}: the check found nothing to read"
    assert not cut, f"words cut across lines on {path} ({size['width']}px):\n" + "\n".join(cut)


# --- languages ------------------------------------------------------------------------------


@pytest.mark.parametrize("browser_locale", ["en-US", "vi-VN", "fr-FR"])
def test_login_page_speaks_vietnamese_whatever_the_browser_asks_until_english_is_chosen(
    browser, live_server, browser_locale
):
    """The browser's language is not asked (a ward's shared computer may be set to English): the
    login page is Vietnamese; the language link in the menu switches it to English."""
    page = new_page(browser, DESKTOP, locale=browser_locale)
    page.goto(live_server.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.get_by_role("heading", name=VI["sign_in"], level=1)).to_be_visible()
    expect(page.get_by_label(VI["username"])).to_be_visible()
    if browser_locale == "en-US":
        page.locator("#main-nav").get_by_role("link", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()
        expect(page.get_by_label("Username")).to_be_visible()
        shot(page, "26-login-english")
    close(page)


def test_english_chosen_in_the_profile_shows_english_dates_and_numbers(browser, live_server):
    today = datetime.fromisoformat(live_server.app.config["FROZEN_NOW"]).strftime("%d/%m/%Y")
    page = open_as(browser, live_server, "committee")
    page.locator("#main-nav").get_by_role("link", name=VI["profile"], exact=True).click()
    page.get_by_label(VI["language"]).select_option(label="English")
    page.get_by_role("button", name=VI["save"], exact=True).click()
    expect_flash(page, "Your settings are saved.")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_role("link", name="Plan tracker", exact=True).click()
    page.locator("#main-nav").get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", name="Steering committee dashboard", level=1)).to_be_visible()
    expect(page.get_by_text(f"Today {today}")).to_be_visible()  # dd/mm/yyyy
    page.locator("#main-nav").get_by_role("link", name="Targets and roadmap", exact=True).click()
    expect(baseline_rate(page, "Tỷ lệ hộ nghèo")).to_have_text("1.01%")
    expect(page.locator("section[aria-labelledby=standards-heading]")).to_contain_text("2,000,000")
    shot(page, "27-targets-english")
    close(page)

    # The choice is the person's: it holds on the next sign-in, from another browser.
    page = open_as(browser, live_server, "committee")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(live_server.url + "/profile")
    page.get_by_label("Language").select_option(label="Tiếng Việt")
    page.get_by_role("button", name="Save", exact=True).click()
    expect_flash(page, VI["settings_saved"])
    page.get_by_role("link", name=VI["brand"], exact=True).click()
    page.locator("#main-nav").get_by_role("link", name=VI["targets"], exact=True).click()
    expect(baseline_rate(page, "Tỷ lệ hộ nghèo")).to_have_text("1,01%")
    expect(page.locator("section[aria-labelledby=standards-heading]")).to_contain_text("2.000.000")
    shot(page, "28-targets")
    page.locator("#main-nav").get_by_role("link", name=VI["dashboard"], exact=True).click()
    expect(page.get_by_text(f"{VI['today']} {today}")).to_be_visible()
    close(page)


def baseline_rate(page, indicator: str):
    """The value cell of a baseline indicator on the targets page."""
    baseline = page.locator("section[aria-labelledby=baseline-heading]")
    return (
        baseline.get_by_role("row")
        .filter(has=page.get_by_role("cell", name=indicator, exact=True))
        .get_by_role("cell")
        .nth(1)
    )
