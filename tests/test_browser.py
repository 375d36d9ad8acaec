"""End-to-end tests in a real browser: the ward's reporting loop, one role after another.

One live server for the module, on its own copy of the Bắc Kạn plan, with CSRF on and the clock
frozen on 03/06/2026 (two days before the 6-month 2026 unit deadline). The tests run in file order
and share that server's database: each scenario picks up where the previous one left off.

  0. the admin opens an officer account for the social policy bank's unit, makes that unit the lead
     of IV.10.4 (the plan names none) and reads both writes in the audit log; the new officer signs
     in with the admin's password and finds IV.10.4 on the unit's page, with the unit as its lead;
  1. the officer (on a phone) posts progress on IV.4.1 with a PDF and submits the 6-month report;
  2. the secretariat returns it with a reason;  3. the officer fixes and resubmits it;
  4. the secretariat accepts it;  5. a committee member asks a question, the officer answers;
  6. the chair issues a directive;  7. the alert scan runs on 12/06 and the chair sees the bell,
     the dashboard and the league table;  8. the secretariat exports the ward report.

Then: phone layout of every page the officers saw, the phone menu, accessibility (axe-core), and
the two languages. Every page runs under the app's real Content-Security-Policy. Screenshots go to
test-artifacts/screenshots/.
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

from tests.conftest import TEST_USERS  # noqa: E402

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
    percent_value,
    section,
    sent_of_owed,
    shot,
    sign_in,
    table_rows,
    words_broken_in_tables,
    write_pdf,
)

pytestmark = pytest.mark.xdist_group("browser")

ADMIN = TEST_USERS["admin"][0]  # the admin's username, as the audit log shows it

TASK = "IV.4.1"
TASK_TITLE = "Chính sách dạy nghề, tạo việc làm"
EVIDENCE_NAME = "danh-sach-lop-day-nghe-thang-5.pdf"
PROGRESS_RESULTS = "Mở 2 lớp dạy nghề may công nghiệp cho 35 lao động thuộc hộ nghèo, hộ cận nghèo."
REPORT_RESULTS = "6 tháng đầu năm: mở 2 lớp dạy nghề cho 35 lao động; giới thiệu việc làm cho 12 người."
RETURN_REASON = "Bổ sung số lao động có việc làm sau học nghề và nguồn kinh phí đã sử dụng."
RESUBMITTED_RESULTS = (
    "6 tháng đầu năm: mở 2 lớp dạy nghề cho 35 lao động, 28 người đã có việc làm sau học nghề; "
    "giới thiệu việc làm cho 12 người. Kinh phí đã sử dụng: 180 triệu đồng."
)
QUESTION = "Đơn vị cho biết kế hoạch mở lớp dạy nghề 6 tháng cuối năm 2026?"
ANSWER = "Dự kiến mở thêm 2 lớp kỹ thuật nông nghiệp trong quý III/2026, phối hợp với HTX Nông Thịnh."
DIRECTIVE = "Phòng Văn hóa – Xã hội hoàn thiện danh sách lao động có nhu cầu học nghề, báo cáo Trưởng ban."
DIRECTIVE_DUE = "2026-06-10"

# Scenario 0: the account the admin opens, and the task the admin assigns. The unit already leads
# a task in the plan (VI.7), so it is in the league table and the dashboard anyway: later scenarios
# see the same units, and Phòng Văn hóa – Xã hội's figures do not change. From 12/06 the task is in
# the dashboard's overdue list like every other one whose report is missing; IV.10.4's short title
# leaves that table's columns as they were. (IV.10.1's long one widens the task column on a phone
# until "Văn phòng HĐND-UBND phường" breaks inside a word, failing
# test_tables_show_names_and_years_in_whole_words[dashboard-phone]: the table has no room to spare.)
NEW_OFFICER = "canbo.nhcsxh"
NEW_OFFICER_NAME = "Nông Thị Hạnh"
NEW_OFFICER_PASSWORD = "Vay von uu dai 2026"
NEW_OFFICER_UNIT = "Phòng Giao dịch Ngân hàng Chính sách xã hội Bắc Kạn"
ASSIGNED_TASK = "IV.10.4"
ASSIGNED_TASK_TITLE = "Đối với nhóm hộ nghèo có thành viên là người có công với cách mạng"

# What the officers' phones showed on each page visited: checked by test_officer_pages_fit_a_phone.
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
        page.evaluate("top => window.scrollTo(0, top)", focus.evaluate("e => e.getBoundingClientRect().top + window.scrollY - 8"))
    shot(page, name, full_page=False)


def open_phone_menu(page) -> None:
    toggler = page.get_by_role("button", name=VI["show_menu"])
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"\bshow\b"))


def go_by_phone_menu(page, link_name: str) -> None:
    before = page.url
    open_phone_menu(page)
    page.locator("#main-nav").get_by_role("link", name=link_name, exact=True).click()
    page.wait_for_url(lambda url: url != before)
    page.wait_for_load_state()


# --- 0. the admin opens an account and assigns an unassigned task ------------------------------


def unassigned_codes(page) -> list[str]:
    """The task codes the plan overview's warning lists as having no lead unit (waits for the
    warning, which stays: the scenario assigns only one of IV.10's five tasks)."""
    warning = page.get_by_role("status").filter(has_text=VI["no_lead_yet"])
    expect(warning).to_be_visible()
    return [link.inner_text().strip() for link in warning.get_by_role("link").all()]


def test_0_admin_opens_an_officer_account_assigns_a_lead_unit_and_reads_the_audit_log(browser, live_server):
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
        VI["username"]: NEW_OFFICER, VI["full_name"]: NEW_OFFICER_NAME, VI["unit"]: NEW_OFFICER_UNIT,
        VI["roles"]: VI["role_officer"], "Hoạt động": VI["yes"],
    }, accounts[NEW_OFFICER]
    shot(page, "00b-admin-accounts")

    # IV.10.4 gets the unit as its lead: from the plan's warning, through the task page.
    page.get_by_role("link", name=VI["brand"], exact=True).click()
    page.get_by_role("status").filter(has_text=VI["no_lead_yet"]).get_by_role("link", name=ASSIGNED_TASK, exact=True).click()
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
    assert unassigned_codes(page) == [code for code in unassigned if code != ASSIGNED_TASK], f"only {ASSIGNED_TASK} left the warning"

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
        VI["audit_task_assign"], VI["audit_user_create"], VI["audit_login"],
    ], events  # newest first: nothing else the admin did, and nobody else's doings
    assert {event["Người thực hiện"] for event in events} == {ADMIN}, events
    assert all(event["Thời gian"] == "09:00 03/06/2026" for event in events), events
    assigned, created, _login = events
    assert re.fullmatch(r"nhiệm vụ #\d+", assigned["Đối tượng"]), assigned
    assert f'"task": "{ASSIGNED_TASK}"' in assigned["Chi tiết"] and '"nhcsxh", "lead", true' in assigned["Chi tiết"], assigned
    assert re.fullmatch(r"tài khoản #\d+", created["Đối tượng"]), created
    assert f'"username": "{NEW_OFFICER}"' in created["Chi tiết"] and '"roles": ["officer"]' in created["Chi tiết"], created
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
    owed = section(page, VI["reports_owed"]).get_by_role("listitem").filter(has_text=ASSIGNED_TASK_TITLE)
    expect(owed).to_contain_text(f"{VI['six_month']} 2026")
    expect(owed).to_contain_text(VI["days_left_2"])
    on_phone(page, "00f-new-officer-unit-page-phone", focus=led)

    led.get_by_role("link", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}").click()
    expect(page.get_by_role("heading", name=f"{ASSIGNED_TASK} {ASSIGNED_TASK_TITLE}", level=1)).to_be_visible()
    units = page.locator("section[aria-labelledby=units-heading]")
    expect(units.get_by_role("heading", name=VI["lead"], exact=True)).to_be_visible()
    expect(units.get_by_role("listitem")).to_have_text([NEW_OFFICER_UNIT])
    expect(units).not_to_contain_text(VI["not_assigned"])
    expect(units.get_by_role("link", name=VI["change_units"])).to_have_count(0)  # not the officer's to change
    form = page.locator("#update-form")
    expect(form.get_by_role("heading", name=re.compile(VI["post_progress"]))).to_contain_text(VI["as_lead_unit"])
    on_phone(page, "00g-new-officer-task-lead-unit-phone", focus=units)
    close(page)


# --- 1. the officer posts progress and submits the report, on a phone -------------------------


def test_1_officer_posts_progress_with_evidence_and_submits_the_6_month_report(browser, live_server, tmp_path):
    page = new_page(browser, PHONE)
    page.goto(live_server.url + "/")
    expect(page.get_by_role("heading", name=VI["sign_in"], level=1)).to_be_visible()
    on_phone(page, "01-login-phone")

    sign_in(page, live_server, "officer")
    assert page.url.endswith("/my-unit"), "an officer lands on the unit page"
    expect(page.get_by_role("heading", name=OFFICER_UNIT, level=1)).to_be_visible()
    expect(page.get_by_text(f"{VI['today']} 03/06/2026")).to_be_visible()
    owed = section(page, VI["reports_owed"]).get_by_role("listitem").filter(has_text=TASK_TITLE)
    expect(owed).to_contain_text(f"{VI['six_month']} 2026")
    expect(owed).to_contain_text(VI["days_left_2"])
    expect(owed).to_contain_text("05/06/2026")
    on_phone(page, "02-officer-unit-page-phone")

    section(page, "Nhiệm vụ chủ trì").get_by_role("link", name=f"{TASK} {TASK_TITLE}").click()
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
    assert open(download.value.path(), "rb").read(5) == b"%PDF-", "the evidence file downloads as the PDF that was posted"

    go_by_phone_menu(page, VI["my_unit"])
    section(page, VI["reports_owed"]).get_by_role("link", name=f"{TASK} {TASK_TITLE}").click()
    expect(page.get_by_role("heading", name=f"{VI['period_report']}: {VI['six_month']} 2026")).to_be_visible()
    expect(page.locator("main")).to_contain_text("40%")  # the latest update goes with the report
    page.get_by_label(VI["results_of_period"]).fill(REPORT_RESULTS)
    on_phone(page, "05-report-form-phone", focus=page.get_by_label(VI["results_of_period"]))
    page.get_by_role("button", name=VI["submit_report"]).click()

    expect_flash(page, VI["report_submitted"])
    main = page.locator("main")
    expect(main).to_contain_text(VI["submitted_waiting"])
    expect(main).to_contain_text(VI["sent_on_time"])
    expect(main).to_contain_text(REPORT_RESULTS)
    on_phone(page, "06-report-submitted-phone")
    close(page)


# --- 2. the secretariat returns it ----------------------------------------------------------


def test_2_secretariat_returns_the_report_with_a_reason(browser, live_server):
    page = open_as(browser, live_server, "secretariat")
    expect(page.get_by_role("heading", name=VI["review_reports"], level=1)).to_be_visible()
    waiting = section(page, VI["waiting_for_review"]).get_by_role("row").filter(has_text=TASK_TITLE)
    expect(waiting).to_contain_text(OFFICER_UNIT)
    expect(waiting).to_contain_text(VI["sent_on_time"])
    shot(page, "07-review-queue")

    waiting.get_by_role("link", name=VI["open"], exact=True).click()
    expect(page.locator("main")).to_contain_text(REPORT_RESULTS)
    page.get_by_label(VI["return"]).check()
    page.get_by_label(VI["comment_or_reason"]).fill(RETURN_REASON)
    shot(page, "08-report-review-form")
    page.get_by_role("button", name=VI["record_decision"]).click()

    expect_flash(page, VI["report_returned"])
    returned = section(page, "Bị trả lại, chưa nộp lại").get_by_role("row").filter(has_text=TASK_TITLE)
    expect(returned).to_contain_text(VI["returned"])
    expect(section(page, VI["waiting_for_review"])).not_to_contain_text(TASK_TITLE)
    shot(page, "09-review-queue-returned")
    close(page)


# --- 3. the officer fixes and resubmits -----------------------------------------------------


def test_3_officer_sees_the_reason_on_the_unit_page_and_resubmits(browser, live_server):
    page = open_as(browser, live_server, "officer", PHONE)
    returned = section(page, VI["reports_returned"])
    expect(returned).to_contain_text(f"{TASK} · {VI['six_month']} 2026")
    expect(returned).to_contain_text(RETURN_REASON)
    on_phone(page, "10-officer-returned-report-phone")

    returned.get_by_role("link", name=f"{TASK} · {VI['six_month']} 2026").click()
    expect(page.get_by_role("alert").filter(has_text=VI["returned"])).to_contain_text(RETURN_REASON)
    results = page.get_by_label(VI["results_of_period"])
    expect(results).to_have_value(REPORT_RESULTS)
    results.fill(RESUBMITTED_RESULTS)
    on_phone(page, "11-report-edit-returned-phone", focus=page.get_by_role("alert").filter(has_text=VI["returned"]))
    page.get_by_role("button", name=VI["submit_report"]).click()

    expect_flash(page, VI["report_submitted"])
    expect(page.locator("main")).to_contain_text(VI["submitted_waiting"])
    expect(page.locator("main")).to_contain_text(RESUBMITTED_RESULTS)
    on_phone(page, "12-report-resubmitted-phone")

    go_by_phone_menu(page, VI["my_unit"])
    expect(page.get_by_role("heading", name=VI["reports_returned"])).to_have_count(0)
    sent = section(page, "Báo cáo đã nộp").get_by_role("listitem").filter(has_text=TASK)
    expect(sent).to_contain_text(VI["submitted_waiting"])
    expect(sent).to_contain_text(VI["sent_on_time"])  # the first submission was on time
    on_phone(page, "13-officer-unit-page-after-resubmission-phone", focus=sent)
    close(page)


# --- 4. the secretariat accepts -------------------------------------------------------------


def test_4_secretariat_accepts_the_resubmitted_report_from_the_queue(browser, live_server):
    page = open_as(browser, live_server, "secretariat")
    page.get_by_role("checkbox", name=f"Chọn {TASK}, {OFFICER_UNIT}").check()
    page.get_by_role("button", name=VI["accept_selected"]).click()

    expect_flash(page, VI["accepted_one"])
    accepted = section(page, VI["accepted"]).get_by_role("row").filter(has_text=TASK_TITLE)
    expect(accepted).to_contain_text(OFFICER_UNIT)
    expect(accepted).to_contain_text(VI["sent_on_time"])
    expect(page.get_by_text(f"{VI['accepted']}: 1", exact=True)).to_be_visible()
    shot(page, "14-review-queue-accepted")
    close(page)


# --- 5. a committee member asks, the officer answers ----------------------------------------


def test_5_committee_asks_the_unit_a_question_and_the_officer_answers(browser, live_server):
    committee = open_as(browser, live_server, "committee")
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
    for form, tag, label in ((ask, "select", VI["unit_asked"]), (ask, "textarea", VI["question"]),
                             (issue, "select", VI["unit"]), (issue, "textarea", VI["directive"])):
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
    page = open_as(browser, live_server, "chair")
    page.locator("#main-nav").get_by_role("link", name=VI["directives"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["issue_directive"])).to_be_visible()
    page.get_by_label(VI["unit"], exact=True).select_option(label=OFFICER_UNIT)
    page.get_by_label(VI["directive"], exact=True).fill(DIRECTIVE)
    page.get_by_label(VI["due_date"]).fill(DIRECTIVE_DUE)
    page.get_by_role("button", name=VI["issue"], exact=True).click()

    expect_flash(page, VI["directive_issued"])
    issued = page.locator("main .card").filter(has_text=DIRECTIVE)
    expect(issued).to_contain_text(f"→ {OFFICER_UNIT}")
    expect(issued).to_contain_text("hạn 10/06/2026")
    shot(page, "19-directive-issued")
    close(page)


# --- 7. the alert scan, then the chair's bell, dashboard and league table -----------------------


def test_7_after_the_alert_scan_the_chair_sees_alerts_dashboard_and_league_table(browser, live_server):
    live_server.set_clock(SCAN_NOW)
    result = live_server.flask("alerts", "scan", "--date", SCAN_DAY)
    assert result.exit_code == 0, result.output + repr(result.exception)

    page = open_as(browser, live_server, "chair")
    bell = page.get_by_test_id("bell-count")
    unread = number_in(bell.inner_text())
    assert unread > 0, "the scan notified the chair"
    bell.click()
    expect(page.get_by_role("heading", name=VI["notifications"], level=1)).to_contain_text(str(unread))
    items = page.locator("main .list-group-item")
    expect(items.filter(has_text=re.compile(f"{VI['escalated']}|{VI['report_missing']}")).first).to_be_visible()
    expect(items.filter(has_text="Chỉ đạo quá hạn").filter(has_text=OFFICER_UNIT)).to_have_count(1)
    shot(page, "20-chair-notifications", full_page=False)

    # The notifications page is not a page of the plan, so its menu has no plan links: back
    # through the brand, which leads to the plan.
    page.get_by_role("link", name=VI["brand"], exact=True).click()
    page.locator("#main-nav").get_by_role("link", name=VI["dashboard"], exact=True).click()
    expect(page.get_by_text(f"{VI['today']} 12/06/2026")).to_be_visible()
    overdue = section(page, VI["overdue_tasks"])
    assert number_in(overdue.get_by_role("heading").inner_text().replace(VI["overdue_tasks"], "")) > 0
    assert overdue.locator("tbody tr").count() > 0, "the dashboard lists the overdue tasks"
    reporting = section(page, VI["reporting_status"])
    expect(reporting.get_by_role("heading")).to_contain_text(f"{VI['six_month']} 2026")
    rows = {row["Đơn vị"]: row for row in table_rows(reporting.locator("table"))}
    assert rows[OFFICER_UNIT]["Đúng hạn"] == "1", rows[OFFICER_UNIT]
    assert rows[OFFICER_UNIT]["Đã nộp"] == "1", rows[OFFICER_UNIT]
    assert int(rows[OFFICER_UNIT]["Chưa nộp"]) == int(rows[OFFICER_UNIT]["Phải nộp"]) - 1, rows[OFFICER_UNIT]
    shot(page, "21-committee-dashboard")

    page.locator("#main-nav").get_by_role("link", name=VI["accountability"], exact=True).click()
    expect(page.get_by_role("heading", name=VI["league_title"], level=1)).to_be_visible()
    league = {row["Đơn vị"]: row for row in table_rows(page.locator("main table"))}
    ours = league[OFFICER_UNIT][VI["reporting_rate"]]
    assert re.fullmatch(r"\d{1,3}(,\d)?% \(1/\d+\)", ours), ours  # e.g. "11,1% (1/9)"
    missing = [unit for unit, row in league.items() if sent_of_owed(row[VI["reporting_rate"]])[0] < sent_of_owed(row[VI["reporting_rate"]])[1]]
    assert OFFICER_UNIT in missing and len(missing) >= 3, f"units with missing reports: {missing}"
    shot(page, "22-league-table")

    page.get_by_role("link", name=VI["reporting_rate"]).click()
    page.wait_for_url(re.compile(r"sort=reporting_rate"))
    expect(page.get_by_role("link", name=re.compile(VI["reporting_rate"]))).to_have_attribute("aria-current", "true")
    rates = [percent_value(row[VI["reporting_rate"]]) for row in table_rows(page.locator("main table"))]
    known = [r for r in rates if r is not None]
    assert known == sorted(known), f"sorted by reporting rate, worst first: {rates}"
    assert rates[: len(known)] == known, f"units with nothing owed come last: {rates}"
    shot(page, "23-league-table-by-reporting-rate")
    close(page)


# --- 8. the secretariat exports the ward report ---------------------------------------------


def test_8_secretariat_exports_the_ward_report_as_docx_and_xlsx(browser, live_server, tmp_path):
    import openpyxl

    page = open_as(browser, live_server, "secretariat")
    page.locator("#main-nav").get_by_role("link", name=VI["ward_reports"], exact=True).click()
    page.get_by_role("link", name=f"{VI['six_month']} 2026", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kết quả thực hiện công tác giảm nghèo bền vững 6 tháng đầu năm 2026")
    expect(page.locator("main")).to_contain_text("1 nhiệm vụ đã có báo cáo được chấp nhận")
    shot(page, "24-ward-report")

    with page.expect_download() as docx_download:
        page.get_by_role("link", name=VI["download_docx"]).click()
    assert docx_download.value.suggested_filename == "bao-cao-giam-ngheo-six-month-2026.docx"
    docx_path = tmp_path / docx_download.value.suggested_filename
    docx_download.value.save_as(docx_path)
    text = docx_text(docx_path)
    assert "BÁO CÁO" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert RESUBMITTED_RESULTS in text, "the accepted report's results are in the ward report"

    with page.expect_download() as xlsx_download:
        page.get_by_role("link", name=VI["download_xlsx"]).click()
    assert xlsx_download.value.suggested_filename == "bao-cao-giam-ngheo-six-month-2026.xlsx"
    xlsx_path = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(xlsx_path)
    workbook = openpyxl.load_workbook(xlsx_path)
    assert "Nhiệm vụ" in workbook.sheetnames, workbook.sheetnames
    sheet = workbook["Nhiệm vụ"]
    header = [cell.value for cell in sheet[1]]
    rows = {row[0]: dict(zip(header, row)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert TASK in rows, "IV.4.1 has a row in the tasks sheet"
    assert rows[TASK]["Nhiệm vụ"] == TASK_TITLE
    assert rows[TASK]["Đơn vị chủ trì"] == OFFICER_UNIT
    assert RESUBMITTED_RESULTS in (rows[TASK]["Kết quả"] or ""), rows[TASK]
    close(page)


# --- the phone ------------------------------------------------------------------------------


def test_officer_pages_fit_a_phone():
    """Every page the officers saw on the 375×667 phone: no sideways scrolling, every visible
    link, button and form field within the screen's width."""
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

# Each page as its usual reader sees it: (who, path, size).
AXE_PAGES = {
    "login": (None, "/login"),
    "unit-home": ("officer", "/my-unit"),
    "task": ("officer", f"/tasks/{TASK}"),
    "dashboard": ("chair", "/dashboard/"),
    "league-table": ("chair", "/accountability/"),
}


def _open_for_axe(browser, server, name: str, size: dict):
    role, path = AXE_PAGES[name]
    page = new_page(browser, size)
    if role is not None:
        sign_in(page, server, role)
        page.goto(server.plan_url(path))
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
    assert not violations, f"axe-core on the {name} page (desktop, menu bar excluded):\n" + describe_violations(violations)


# --- tables ---------------------------------------------------------------------------------

# (who, path, size): pages with tables, as their readers see them.
TABLE_PAGES = {
    "league-table-desktop": pytest.param("chair", "/accountability/", DESKTOP),
    "unit-accountability-desktop": pytest.param("chair", "/accountability/units/phong-vh-xh", DESKTOP),
    "targets-desktop": pytest.param("chair", "/targets/", DESKTOP),
    "dashboard-phone": pytest.param("chair", "/dashboard/", PHONE),
    "dashboard-desktop": pytest.param("chair", "/dashboard/", DESKTOP),
    "review-queue-desktop": pytest.param("secretariat", "/review", DESKTOP),
}


@pytest.mark.parametrize(("role", "path", "size"), list(TABLE_PAGES.values()), ids=list(TABLE_PAGES))
def test_tables_show_names_and_years_in_whole_words(browser, live_server, role, path, size):
    page = open_as(browser, live_server, role, size)
    page.goto(live_server.plan_url(path))
    expect(page.locator("main table >> visible=true").first).to_be_visible()
    broken = words_broken_in_tables(page)
    close(page)
    assert not broken, f"words cut across lines in the tables of {path} ({size['width']}px):\n" + "\n".join(broken)


# --- languages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("browser_locale", "lang", "heading", "username_label"),
    [("en-US", "en", "Sign in", "Username"), ("vi-VN", "vi", "Đăng nhập", "Tên đăng nhập"), ("fr-FR", "vi", "Đăng nhập", "Tên đăng nhập")],
)
def test_login_page_speaks_the_browsers_language_or_vietnamese(browser, live_server, browser_locale, lang, heading, username_label):
    page = new_page(browser, DESKTOP, locale=browser_locale)
    page.goto(live_server.url + "/login")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.get_by_label(username_label)).to_be_visible()
    if browser_locale == "en-US":
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
    return baseline.get_by_role("row").filter(has=page.get_by_role("cell", name=indicator, exact=True)).get_by_role("cell").nth(1)
