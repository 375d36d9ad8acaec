"""An officer, on a phone, makes an API token on the profile page, gives it to a script and revokes
it; the API's reference page on a phone (issue 19). In Debian's Chromium, under the app's
Content-Security-Policy."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

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
    axe_violations,
    browser,  # noqa: F401  (fixture)
    close,
    describe_violations,
    live_server,  # noqa: F401  (fixture)
    new_page,
    scrolls_sideways,
    shot,
    sign_in,
)


def _dashboard_status(server, token: str) -> int:
    """What a script holding only the token gets for the dashboard summary."""
    request = urllib.request.Request(
        f"{server.url}/api/v1/plans/{server.plan_id}/dashboard", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            assert json.load(response)["tasks"] == 45
            return response.status
    except urllib.error.HTTPError as refused:
        return refused.code


def test_an_officer_makes_a_token_on_a_phone_a_script_uses_it_and_it_is_revoked(browser, live_server):
    page = new_page(browser, PHONE)
    sign_in(page, live_server, "officer")
    page.goto(f"{live_server.url}/profile")
    clicks = 0
    page.get_by_label("Tên mã truy cập").fill("Bảng tính phòng VH-XH")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    clicks += 1
    # The answer opens at the new token: in view, whole, with a button to copy it.
    token_box = page.locator("#new-token")
    expect(token_box).to_be_in_viewport()
    token = token_box.input_value()
    assert token.startswith("bkt_") and len(token) > 40
    expect(page.get_by_role("button", name="Sao chép mã")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("mã sẽ không hiện lại")
    assert scrolls_sideways(page) is None, scrolls_sideways(page)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    shot(page, "api-1-token-made-phone", full_page=False)
    assert clicks == 1
    # A script holding only the token reads the dashboard summary.
    assert _dashboard_status(live_server, token) == 200
    # Looked at again, the page no longer shows the token, only its name and first letters.
    page.goto(f"{live_server.url}/profile")
    expect(page.locator("#tokens")).to_contain_text("Bảng tính phòng VH-XH")
    assert token not in page.content()
    # Revoked, after saying yes: the script is refused.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Thu hồi").click()
    expect(page.get_by_role("alert").filter(has_text="Đã thu hồi mã")).to_be_visible()
    assert _dashboard_status(live_server, token) == 401
    close(page)


def test_the_api_reference_reads_on_a_phone(browser, live_server):
    page = new_page(browser, PHONE)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tài liệu API")
    operation = page.locator("details", has_text="/api/v1/plans/{plan_id}/dashboard").first
    operation.locator("summary").click()
    expect(operation).to_contain_text("Kết quả trả về")
    assert scrolls_sideways(page) is None, scrolls_sideways(page)
    violations = axe_violations(page)
    assert not violations, describe_violations(violations)
    shot(page, "api-2-reference-phone", full_page=False)
    close(page)
