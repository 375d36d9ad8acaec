"""Helpers and fixtures for the end-to-end browser tests (tests/test_browser.py).

The app runs for real: a copy of the "loaded" template database (the Bắc Kạn plan and one test
user per role), served by Werkzeug on 127.0.0.1 in a background thread, with CSRF on and the
clock frozen (FROZEN_NOW). Debian's Chromium drives it through Playwright; axe-core checks
accessibility. Nothing is ever downloaded: when a tool is missing, the browser tests are skipped.

Every page runs under the app's real Content-Security-Policy (no bypass_csp): what the policy
blocks stays blocked, as in a user's browser, and close() fails the test when the browser refused
anything under it. axe-core is evaluated through the DevTools protocol, which the page's policy
does not govern, so even the accessibility checks run on pages exactly as the app serves them.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, TEST_USERS, clone_database, drop_database, make_app

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}

PLAN_CODE = "KH-GNBV-2026-2030"
# The scenario's day: two days before the 6-month 2026 unit deadline (05/06/2026).
FROZEN_NOW = "2026-06-03T09:00:00+07:00"
# The alert scan's day: a week after that deadline, two days after the ward's.
SCAN_DAY = "2026-06-12"
SCAN_NOW = "2026-06-12T09:00:00+07:00"

OFFICER_UNIT = "Phòng Văn hóa – Xã hội"

# The Vietnamese words the tests click and look for, exactly as the catalogue
# (tracker/translations/vi/LC_MESSAGES/messages.po) translates them.
VI = {
    "brand": "Theo dõi kế hoạch",
    "sign_in": "Đăng nhập",
    "username": "Tên đăng nhập",
    "password": "Mật khẩu",
    "sign_out": "Đăng xuất",
    "show_menu": "Hiện menu",
    "my_unit": "Đơn vị của tôi",
    "review_reports": "Xem xét báo cáo",
    "dashboard": "Bảng theo dõi",
    "committee_dashboard": "Bảng theo dõi của Ban Chỉ đạo",
    "accountability": "Trách nhiệm đơn vị",
    "ward_reports": "Báo cáo của phường",
    "targets": "Chỉ tiêu và lộ trình",
    "directives": "Ý kiến chỉ đạo",
    "profile": "Hồ sơ cá nhân",
    "notifications": "Thông báo",
    "today": "Hôm nay",
    "reports_owed": "Báo cáo phải nộp",
    "six_month": "Báo cáo 6 tháng",
    "days_left_2": "còn 2 ngày",
    "post_progress": "Cập nhật tiến độ",
    "percent": "Tỷ lệ hoàn thành (%)",
    "state": "Tình trạng",
    "working": "Đang thực hiện",
    "results_achieved": "Kết quả đạt được",
    "evidence": "Tệp minh chứng",
    "post": "Gửi cập nhật",
    "progress_posted": "Đã cập nhật tiến độ.",
    "progress_updates": "Các bản cập nhật tiến độ",
    # the unit report: one per unit and reporting round, a section per task
    "unit_report": "Báo cáo của đơn vị",
    "n_tasks": "{n} nhiệm vụ",
    "not_started_report": "Chưa lập",
    "draft": "Bản nháp",
    "report_sections": "Các mục của báo cáo",
    "results_by_task": "I. Kết quả thực hiện các nhiệm vụ",
    "results_of_period": "Kết quả trong kỳ",
    "figures_part": "II. Các chỉ tiêu, số liệu đơn vị phụ trách",
    "general_assessment": "Đánh giá chung",
    "save_draft": "Lưu nháp",
    "draft_saved": "Đã lưu nháp.",
    "saved_as_draft": "Nội dung đã được lưu thành bản nháp.",
    "write_results": "Ghi những việc đã làm trong kỳ, hoặc lý do chưa thực hiện.",
    "to_correct": "cần sửa",
    "submit_report": "Nộp báo cáo",
    "report_submitted": "Đã nộp báo cáo cho cơ quan thường trực.",
    "submitted_waiting": "Đã nộp, chờ xem xét",
    "sent_reports": "Báo cáo đã nộp",
    "submitted_versions": "Các lần nộp",
    "version": "Lần nộp {n}",
    "history": "Lịch sử",
    "event_returned": "bị trả lại để chỉnh sửa",
    "waiting_for_review": "Chờ xem xét",
    "review": "Xem xét",
    "nothing_waiting": "Không có báo cáo nào đang chờ.",
    "decision": "Quyết định",
    "accept": "Chấp nhận",
    "return": "Trả lại để chỉnh sửa",
    "section_to_fix": "Mục cần sửa (không bắt buộc)",
    "whole_report": "Cả báo cáo",
    "comment_or_reason": "Nhận xét hoặc lý do",
    "record_decision": "Ghi nhận quyết định",
    "report_returned": "Đã trả lại báo cáo cho đơn vị.",
    "returned_not_resubmitted": "Bị trả lại, chưa nộp lại",
    "reports_returned": "Báo cáo bị trả lại",
    "returned": "Bị trả lại",
    "to_fix": "Cần sửa",
    "section_named_to_fix": "Mục cần sửa",
    "see_section": "Xem mục",
    "select_report_of": "Chọn báo cáo của {unit}",
    "accept_selected": "Chấp nhận các báo cáo đã chọn",
    "accepted_one": "Đã chấp nhận 1 báo cáo.",
    "accepted": "Đã chấp nhận",
    "sent_on_time": "gửi đúng hạn",
    "report_late_7": "chậm 7 ngày",
    "ask_question": "Đặt câu hỏi cho đơn vị",
    "unit_asked": "Đơn vị được hỏi",
    "question": "Câu hỏi",
    "send_question": "Gửi câu hỏi",
    "question_sent": "Đã gửi câu hỏi cho đơn vị.",
    "waiting_answer": "Chờ đơn vị trả lời",
    "your_answer": "Trả lời của đơn vị",
    "send_answer": "Gửi câu trả lời",
    "answer_sent": "Đã gửi câu trả lời.",
    "answer": "Trả lời",
    "issue_directive": "Ban hành ý kiến chỉ đạo",
    "unit": "Đơn vị",
    "choose_unit": "— Chọn đơn vị —",
    "directive": "Ý kiến chỉ đạo",
    "due_date": "Hạn hoàn thành",
    "issue": "Ban hành",
    "directive_issued": "Đã ban hành ý kiến chỉ đạo.",
    "escalated": "Chuyển Trưởng ban",
    "unit_reply": "Phản hồi của đơn vị",
    "report_missing": "Chưa nộp báo cáo",
    "overdue_tasks": "Nhiệm vụ quá hạn, nặng nhất trước",
    "reporting_status": "Tình hình báo cáo",
    "on_time": "Đúng hạn",
    "missing": "Chưa nộp",
    "league_title": "Trách nhiệm theo đơn vị",
    "units_late": "{n} đơn vị có nội dung chậm",
    "inside_ubnd": "Các phòng, đơn vị thuộc UBND (được giao)",
    "outside_ubnd": "Cơ quan, tổ chức ngoài bộ máy UBND (đề nghị)",
    "longest_late": "Chậm lâu nhất",
    "nothing_late": "Không có nội dung chậm",
    "reports_late": "Báo cáo chậm",
    "chased_figure": "Đôn đốc",
    "order": "Sắp xếp",
    "lowest_reporting_rate": "Tỷ lệ báo cáo thấp nhất",
    "late_report_item": "{report} chưa gửi, chậm {n} ngày, từ {since}",
    # chasing (đôn đốc) a late unit
    "chase": "Đôn đốc",
    "request": "Đề nghị",
    "chased": "Đôn đốc",
    "chased_flash": "Đã đôn đốc {unit}: Đã thông báo cho {n} cán bộ trên hệ thống",
    "chase_text": "Nội dung gửi nhóm Zalo của phường, sao chép để dán",
    "copy_text": "Sao chép nội dung",
    "copied": "Đã sao chép",
    "back": "Quay lại",
    "chased_n_times": "bị đôn đốc {n} lần",
    "urges": "đôn đốc",
    # the bell: one message a day, grouped by unit
    "unread": "chưa đọc",
    "unread_label": "{n} thông báo chưa đọc",
    "one_message_a_day": "Mỗi ngày một thông báo, nhóm theo đơn vị.",
    "directive_overdue_n": "{n} ý kiến chỉ đạo quá hạn",
    "reports_late_n": "{n} báo cáo chậm",
    # the dashboard
    "key_figures": "Số liệu chính",
    "tasks_overdue": "Nhiệm vụ quá hạn",
    "units_late_reporting": "Đơn vị chậm báo cáo",
    "filters": "Bộ lọc",
    "no_task_overdue": "Không có nhiệm vụ nào quá hạn.",
    "period": "Giai đoạn",
    "show": "Xem",
    "reporting_rate": "Tỷ lệ báo cáo",
    "reports_sent": "Báo cáo đã gửi",
    "tasks_reported": "{n} nhiệm vụ đã có báo cáo được chấp nhận",
    "printable_page": "Trang in",
    "download_docx": "Tải về DOCX",
    "download_xlsx": "Tải về XLSX",
    "language": "Ngôn ngữ",
    "save": "Lưu",
    "settings_saved": "Đã lưu cài đặt.",
    # the admin's pages
    "accounts": "Tài khoản",
    "new_account": "Tài khoản mới",
    "full_name": "Họ và tên",
    "roles": "Vai trò",
    "role_officer": "Cán bộ đơn vị",
    "account_active": "Tài khoản đang hoạt động",
    "account_created": 'Đã tạo tài khoản "{username}".',
    "yes": "Có",
    "no_lead_yet": "nhiệm vụ chưa có đơn vị chủ trì",
    "not_assigned": "Chưa phân công",
    "change_units": "Thay đổi đơn vị",
    "units_of": "Đơn vị thực hiện {code}",
    "primary_lead": "Đơn vị chủ trì chịu trách nhiệm chính",
    "units_saved": "Đã lưu các đơn vị thực hiện nhiệm vụ {code}.",
    "lead": "Chủ trì",
    "as_lead_unit": "vai trò chủ trì",
    "tasks_led": "Nhiệm vụ chủ trì",
    "audit_log": "Nhật ký hệ thống",
    "user": "Người dùng",
    "from": "Từ",
    "to": "Đến",
    "filter": "Lọc",
    "audit_login": "đăng nhập",
    "audit_user_create": "tạo tài khoản",
    "audit_task_assign": "thay đổi đơn vị thực hiện nhiệm vụ",
}


def missing_tools() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (see requirements and scripts/browser-tools)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: run scripts/browser-tools (Debian's chromium package); no browser is downloaded"
    if not AXE_SCRIPT.exists():
        return f"{AXE_SCRIPT.relative_to(ROOT)} is missing: run scripts/browser-tools (npm ci installs axe-core)"
    return None


# --- the live server ------------------------------------------------------------------------


def _quiet_handler():
    from werkzeug.serving import WSGIRequestHandler

    class QuietHandler(WSGIRequestHandler):
        """No access log: a failing test's output shows the test's own messages."""

        def log_request(self, *args, **kwargs):
            pass

    return QuietHandler


class LiveServer:
    """The app served over HTTP in a daemon thread, on a database of its own."""

    def __init__(self, app, database):
        from sqlalchemy import select
        from werkzeug.serving import make_server

        from tracker.extensions import db
        from tracker.plan.models import Plan

        self.app = app
        self.database = database
        with app.app_context():
            self.plan_id = db.session.scalar(select(Plan.id).where(Plan.code == PLAN_CODE))
            db.session.remove()
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_quiet_handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)
        self._thread.start()

    def plan_url(self, path: str = "/") -> str:
        """A page of the Bắc Kạn plan: plan_url("/dashboard/")."""
        return f"{self.url}/plans/{self.plan_id}{path}"

    def set_clock(self, moment: str) -> None:
        self.app.config["FROZEN_NOW"] = moment

    def period_id(self, kind: str, year: int) -> int:
        """The id of one of the plan's reporting periods: period_id("six_month", 2026)."""
        from sqlalchemy import select

        from tracker.extensions import db
        from tracker.periods.models import ReportingPeriod

        with self.app.app_context():
            found = db.session.scalar(
                select(ReportingPeriod.id).where(
                    ReportingPeriod.plan_id == self.plan_id, ReportingPeriod.kind == kind, ReportingPeriod.year == year
                )
            )
            db.session.remove()
        assert found is not None, f"the plan has no {kind} period in {year}"
        return found

    def flask(self, *args: str):
        """Run a `flask ...` command against the server's database, as cron would."""
        runner = self.app.test_cli_runner()
        with self.app.app_context():
            return runner.invoke(args=list(args))

    def stop(self) -> None:
        from tracker.extensions import db

        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop_database(self.database)


@pytest.fixture(scope="module")
def live_server(template_databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    database = clone_database(template_databases["loaded"], folder)
    uploads = folder / "uploads"
    uploads.mkdir()
    app = make_app(database, WTF_CSRF_ENABLED=True, TESTING=False, FROZEN_NOW=FROZEN_NOW, UPLOAD_DIR=str(uploads))
    server = LiveServer(app, database)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


# --- pages ----------------------------------------------------------------------------------


def new_page(browser, size: dict = DESKTOP, locale: str = "vi-VN"):
    """A fresh browser context (no cookies) showing one page, under the app's real
    Content-Security-Policy: no bypass_csp, so an inline script or style, or anything from another
    site, is refused as it would be for a user. Whatever the browser refused under the policy is
    kept in page.csp_violations, and close() fails the test over it."""
    context = browser.new_context(
        viewport=size,
        locale=locale,
        accept_downloads=True,
        is_mobile=size == PHONE,
        has_touch=size == PHONE,
        device_scale_factor=2 if size == PHONE else 1,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors  # JavaScript errors on the page, for the assertions
    refused: list[str] = []
    page.on("console", lambda message: _note_csp_violation(page, message, refused))
    page.csp_violations = refused
    missing: list[str] = []  # stylesheets, scripts, images, icons the page asked for and did not get
    page.on(
        "response",
        lambda response: (
            missing.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document"
            else None
        ),
    )
    page.missing_resources = missing
    return page


def _note_csp_violation(page, message, refused: list[str]) -> None:
    # Chromium reports each refusal on the console ("Refused to load the stylesheet ... because it
    # violates the following Content Security Policy directive ...", "Executing inline script
    # violates ...", "Refused to evaluate a string as JavaScript ..."), naming the policy.
    if "Content Security Policy" in message.text:
        refused.append(f"{page.url}: {message.text}")


def close(page) -> None:
    """Close the page's browser context; fail if the browser refused anything on it under the
    app's Content-Security-Policy (a page that needs the policy bypassed is broken for users), or
    if a resource it asked for (a stylesheet, a script, the icon) was not found."""
    refused, missing = list(page.csp_violations), list(page.missing_resources)
    page.context.close()
    assert not refused, "the Content-Security-Policy blocked something:\n" + "\n".join(refused)
    assert not missing, "resources the page asked for were not found:\n" + "\n".join(missing)


def sign_in(
    page, server: LiveServer, role: str | None = None, *, username: str | None = None, password: str = PASSWORD
) -> None:
    """Sign in through the login form, as a person would, in Vietnamese: as the test user of
    `role`, or as `username` with `password` (an account made during the tests)."""
    if username is None:
        username = TEST_USERS[role][0]
    if "/login" not in page.url:
        page.goto(f"{server.url}/login")
    page.get_by_label(VI["username"]).fill(username)
    page.get_by_label(VI["password"], exact=True).fill(password)
    page.get_by_role("button", name=VI["sign_in"]).click()
    # The click only starts the form's submission: wait until the browser has left /login.
    page.wait_for_url(lambda url: "/login" not in url)
    page.wait_for_load_state()


def section(page, heading: str):
    """The <section> whose heading starts with `heading` (headings may end with a count)."""
    return (
        page.locator("section").filter(has=page.get_by_role("heading", name=re.compile("^" + re.escape(heading)))).last
    )


def table_rows(table) -> list[dict[str, str]]:
    """The rows of a table as {column heading: cell text} (a sort mark ▾ is left out)."""
    return table.evaluate(
        """t => {
          const heads = [...t.querySelectorAll('thead th')].map(th => th.innerText.replace('▾', '').trim());
          return [...t.querySelectorAll('tbody tr')].map(tr =>
            Object.fromEntries([...tr.children].map((cell, i) => [heads[i], cell.innerText.trim()])));
        }"""
    )


def expect_flash(page, message: str) -> None:
    """The page the app answered with says `message` in its flash area (waits for that page:
    a click only starts the form's submission)."""
    from playwright.sync_api import expect

    expect(page.locator("main > .alert[role=alert]").filter(has_text=message)).to_be_visible()


def shot(page, name: str, full_page: bool = True) -> Path:
    """Save a screenshot as test-artifacts/screenshots/<name>.png (name is "NN-what")."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def write_pdf(path: Path) -> Path:
    """A small but real PDF file (one empty page), as evidence for a progress update."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += f"{number} 0 obj\n".encode() + content + b"\nendobj\n"
    xref = len(body)
    body += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    body += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    body += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(body)
    return path


# --- phone layout ---------------------------------------------------------------------------

# Controls a person must be able to reach: each visible one must lie within the phone's width.
# The width is the phone's, passed in: under mobile emulation Chromium widens the layout viewport
# (and window.innerWidth with it) to fit content that overflows, as phones do, so innerWidth alone
# would hide the very overflow this looks for.
_LAYOUT_SCRIPT = """
(width) => {
  const problems = [];
  const describe = (el) => {
    let text = (el.getAttribute('aria-label') || el.innerText || el.value || el.getAttribute('name') || '').trim();
    text = text.replace(/\\s+/g, ' ').slice(0, 60);
    const id = el.id ? '#' + el.id : '';
    const cls = el.className && typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
    return `${el.tagName.toLowerCase()}${id}${cls} "${text}"`;
  };
  for (const el of document.querySelectorAll('a, button, input, select, textarea, label')) {
    if (el.type === 'hidden') continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const rect = el.getBoundingClientRect();
    if (rect.width === 0 || rect.height === 0) continue;
    if (el.closest('.visually-hidden, .visually-hidden-focusable')) continue;  // the skip link: shown on focus
    if (rect.left + window.scrollX < -0.5 || rect.right + window.scrollX > width + 0.5) {
      problems.push(`${describe(el)} spans x=${Math.round(rect.left + window.scrollX)}..${Math.round(rect.right + window.scrollX)}`);
    }
  }
  return {width, innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, problems};
}
"""


def page_width(page) -> dict[str, int]:
    """How wide the page is against the phone's screen: document.scrollingElement.scrollWidth, and
    window.innerWidth next to the width the phone was given (under mobile emulation innerWidth
    grows with content that overflows, so it is compared with the phone's own width too)."""
    sizes = page.evaluate("() => ({scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth})")
    return {**sizes, "phone": page.viewport_size["width"]}


def scrolls_sideways(page) -> str | None:
    """Why the page scrolls sideways on the phone, or None when it does not."""
    sizes = page_width(page)
    if sizes["scrollWidth"] <= sizes["innerWidth"] and sizes["innerWidth"] <= sizes["phone"]:
        return None
    return (
        f"the page scrolls sideways: scrollWidth {sizes['scrollWidth']}, innerWidth {sizes['innerWidth']} "
        f"on a {sizes['phone']}px-wide phone"
    )


def out_of_reach(page, control) -> str | None:
    """Why a finger cannot press `control` where the screen stands now (without scrolling), or
    None when it can: the control lies wholly on the screen and nothing covers its middle."""
    box = control.bounding_box()
    screen = page.viewport_size
    if box is None:
        return "it is not shown"
    if (
        box["x"] < -0.5
        or box["y"] < -0.5
        or box["x"] + box["width"] > screen["width"] + 0.5
        or box["y"] + box["height"] > screen["height"] + 0.5
    ):
        return (
            f"it lies at x={box['x']:.0f}..{box['x'] + box['width']:.0f}, y={box['y']:.0f}..{box['y'] + box['height']:.0f} "
            f"on a {screen['width']}×{screen['height']} screen"
        )
    covered = control.evaluate(
        """c => { const r = c.getBoundingClientRect();
                  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                  return hit === c || c.contains(hit) ? null : (hit ? hit.outerHTML.slice(0, 120) : 'nothing'); }"""
    )
    return f"its middle is covered by {covered}" if covered else None


@dataclass
class PhoneLayout:
    """What each page visited on the phone looked like: sideways scrolling and controls out of reach."""

    pages: dict[str, list[str]] = field(default_factory=dict)

    def check(self, page, name: str) -> list[str]:
        result = page.evaluate(_LAYOUT_SCRIPT, page.viewport_size["width"])
        problems = list(result["problems"])
        widest = max(result["scrollWidth"], result["innerWidth"])
        if widest > result["width"]:
            problems.insert(
                0,
                f"the page scrolls sideways: scrollWidth {result['scrollWidth']}, innerWidth "
                f"{result['innerWidth']} on a {result['width']}px-wide phone",
            )
        self.pages[name] = problems
        return problems

    def report(self) -> str:
        return "\n".join(
            f"{name}:\n" + "\n".join(f"  - {p}" for p in problems) for name, problems in self.pages.items() if problems
        )


# --- reading tables -------------------------------------------------------------------------

# Table cells whose text runs over more lines than it has words: some word is cut in pieces.
_BROKEN_WORDS_SCRIPT = """
(selector) => {
  const broken = [];
  for (const cell of document.querySelectorAll(selector)) {
    const text = cell.innerText.trim();
    if (!text) continue;
    const words = text.split(/\\s+/).length;
    const range = document.createRange();
    range.selectNodeContents(cell);
    const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size;
    if (lines > words) {
      const width = Math.round(cell.getBoundingClientRect().width);
      broken.push(`"${text.replace(/\\s+/g, ' ').slice(0, 60)}": ${words} word(s) on ${lines} lines, cell ${width}px wide`);
    }
  }
  return broken;
}
"""


def words_broken_in_tables(page, selector: str = "main table th, main table td") -> list[str]:
    """Table cells where a word is split across lines (a column squeezed narrower than a word)."""
    return page.evaluate(_BROKEN_WORDS_SCRIPT, selector)


# Every word (a run of characters between spaces) of the text shown under the selector, measured
# where it lies: a word whose letters sit on more than one line was cut in pieces ("Bắc K|ạn",
# "2026-|2030", "HĐND-|UBND"). Text that is not laid out (a closed <details>, an <option>) has no
# boxes and is passed over.
_WORDS_CUT_SCRIPT = """
(selector) => {
  const cut = [];
  let words = 0;
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('option, script, style, textarea')) continue;
      const range = document.createRange();
      for (const match of node.data.matchAll(/\\S+/g)) {
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const boxes = [...range.getClientRects()].filter(r => r.width > 0 && r.height > 0);
        if (!boxes.length) continue;
        words += 1;
        const lines = new Set(boxes.map(r => Math.round(r.top)));
        if (lines.size > 1) {
          const box = parent.getBoundingClientRect();
          const context = (parent.innerText || '').replace(/\\s+/g, ' ').trim().slice(0, 70);
          cut.push(`"${match[0]}" on ${lines.size} lines in <${parent.tagName.toLowerCase()}> ${Math.round(box.width)}px wide: "${context}"`);
        }
      }
    }
  }
  return {words, cut};
}
"""


def words_cut(page, selector: str = "main") -> tuple[int, list[str]]:
    """How many words are shown under `selector`, and those cut across lines (each described)."""
    result = page.evaluate(_WORDS_CUT_SCRIPT, selector)
    return result["words"], result["cut"]


# --- accessibility --------------------------------------------------------------------------


def axe_violations(
    page, impacts: tuple[str, ...] = ("serious", "critical"), exclude: list[str] | None = None
) -> list[dict]:
    """axe-core's violations of the given impacts on the page as it stands (leaving out the
    parts matched by the `exclude` selectors).

    axe-core is evaluated through the DevTools protocol (page.evaluate), not added as a <script>:
    the app's policy (script-src 'self') rightly refuses an inline script tag, as
    page.add_script_tag would insert, but does not govern what the test driver evaluates. So the
    page keeps its real Content-Security-Policy while axe-core checks it."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    context = {"include": [["html"]], "exclude": [[selector] for selector in exclude or []]}
    results = page.evaluate("async (context) => await axe.run(context, {resultTypes: ['violations']})", context)
    return [v for v in results["violations"] if v.get("impact") in impacts]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]")
        for node in v["nodes"]:
            summary = " ".join(line.strip() for line in node.get("failureSummary", "").splitlines()[1:2])
            lines.append(f"    {json.dumps(node['target'], ensure_ascii=False)}: {summary}")
    return "\n".join(lines)


def number_in(text: str) -> int:
    match = re.search(r"\d+", text)
    assert match, f"no number in {text!r}"
    return int(match.group())


# --- exported files -------------------------------------------------------------------------


def docx_text(path: Path) -> str:
    """Every paragraph of a DOCX, tables included, one per line."""
    import docx

    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)
