"""The secretariat, on a phone, from a plan document to tracked tasks (issue 18): in Debian's Chromium,
through the real forms, under the app's Content-Security-Policy. Its own server: adopting a plan
adds one to the ward, which the other browser scenarios do not expect."""

from __future__ import annotations

import os
import re

import pytest

from tests.browser_support import missing_tools

_missing = missing_tools()
if _missing and os.environ.get("REQUIRE_BROWSER_TESTS"):
    raise RuntimeError(_missing)
if _missing:
    pytest.skip(_missing, allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.browser_support import (  # noqa: E402
    PHONE,
    browser,  # noqa: F401  (fixture)
    close,
    live_server,  # noqa: F401  (fixture)
    new_page,
    scrolls_sideways,
    shot,
    sign_in,
)
from tests.test_plan_import import second_plan_docx  # noqa: E402


def test_the_secretariat_imports_a_word_plan_and_adopts_it_on_a_phone(browser, live_server, tmp_path):
    document = tmp_path / "ke-hoach-nam-2027.docx"
    document.write_bytes(second_plan_docx())
    page = new_page(browser, PHONE)
    sign_in(page, live_server, "secretariat")
    clicks = 0
    page.goto(live_server.plan_url("/"))
    page.get_by_role("link", name="Nhập kế hoạch từ văn bản").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhập kế hoạch từ văn bản")
    page.get_by_label("Văn bản kế hoạch").set_input_files(str(document))
    page.get_by_role("button", name="Đọc văn bản").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("Xem lại bản nháp")
    # The draft on the phone: every task, its units as matched, nothing scrolls sideways.
    expect(page.locator("[data-task]")).to_have_count(11)
    task = page.locator('[data-task="II.3"]')
    expect(task).to_contain_text("Trạm Y tế phường")
    expect(task).to_contain_text("đơn vị mới: Bảo hiểm xã hội huyện")
    assert scrolls_sideways(page) is None, scrolls_sideways(page)
    shot(page, "import-1-review-phone")
    # The secretariat names the ward's own BHXH, leaves out a task, keeps the draft.
    partners = task.get_by_label("Phối hợp")
    partners.fill("Phòng Văn hóa – Xã hội, Bảo hiểm xã hội cơ sở Bắc Kạn")
    page.locator('[data-task="III.1"]').get_by_role("checkbox").uncheck()
    page.get_by_role("button", name="Lưu bản nháp").click()
    clicks += 1
    expect(page.get_by_role("alert").filter(has_text="Đã lưu bản nháp")).to_be_visible()
    expect(page.locator('[data-task="II.3"]')).to_contain_text("Bảo hiểm xã hội cơ sở Bắc Kạn")
    expect(page.locator("#kept")).to_contain_text("10 nhiệm vụ")
    # Adopted under its code: the new plan's page, with its tasks.
    page.get_by_label("Mã của kế hoạch mới").fill("KH-GN-2027")
    page.get_by_role("button", name="Thông qua: theo dõi các nhiệm vụ này").click()
    clicks += 1
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kế hoạch giảm nghèo bền vững năm 2027")
    expect(page.locator("main")).to_contain_text("Năm 2027")
    assert re.search(r"/plans/\d+/$", page.url)
    assert scrolls_sideways(page) is None, scrolls_sideways(page)
    shot(page, "import-2-adopted-phone")
    # From the plan's page to tracked tasks: four clicks (and choosing the file, typing the code).
    assert clicks == 4
    close(page)
