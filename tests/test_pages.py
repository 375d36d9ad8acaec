"""The read-only pages render for the loaded plan, in Vietnamese by default."""

from functools import partial

import pytest

from tests import helpers
from tests.conftest import login

page = partial(helpers.page, follow_redirects=True)
plain = partial(helpers.plain, tidy_punctuation=True)


@pytest.fixture
def client(client):
    """The read-only pages, as a steering committee member sees them."""
    login(client, "committee")
    return client


def test_start_page_goes_to_the_only_plan(client, plan):
    """A committee member lands on the dashboard of the ward's one plan (where each other role
    lands: tests/test_landing.py)."""
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/plans/{plan.id}/dashboard/"
    assert client.get(response.headers["Location"]).status_code == 200


def test_pages_need_a_signed_in_user(app, plan):
    anonymous = app.test_client()
    response = anonymous.get(f"/plans/{plan.id}/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_plan_overview_shows_sections_tasks_and_units(client, plan):
    html = page(client, f"/plans/{plan.id}/")
    text = plain(html)
    assert '<html lang="vi">' in html
    assert "Kế hoạch thực hiện công tác giảm nghèo bền vững giai đoạn 2026-2030" in text
    assert "NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM" in text and "TỔ CHỨC THỰC HIỆN" in text
    assert "IV.4.3 Chính sách hỗ trợ về y tế cho hộ nghèo" in text
    assert "Chủ trì: Trạm Y tế phường" in text
    assert (
        "Phối hợp: Phòng Văn hóa – Xã hội, Phòng Xây dựng, Nông nghiệp và Môi trường, Bảo hiểm xã hội cơ sở Bắc Kạn"
        in text
    )
    # IV.10's five groups have no lead in the plan; VI.9, VI.12, VI.13.1 and VI.13.2 are led by
    # groups the plan names no members of (the telecom firms, the steering committee, the
    # residential groups): nobody answers for those nine yet, and the page says so, as the
    # dashboard's "not assigned" flag does.
    assert text.count("Chưa phân công") == 9
    assert "9 nhiệm vụ chưa có đơn vị chủ trì" in text


def test_task_page_shows_text_units_and_reporting_periods(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/tasks/IV.4.3"))
    assert "100% người thuộc hộ nghèo và người dân tộc thiểu số thuộc hộ cận nghèo" in text
    assert "Trạm Y tế phường" in text and "Bảo hiểm xã hội cơ sở Bắc Kạn" in text
    assert "Kế hoạch ghi: “Trạm y tế phường”" in text
    assert "Nhiệm vụ thường xuyên" in text
    # 6-month report of 2026: units by 05/06/2026, the ward by 10/06/2026.
    assert "Báo cáo 6 tháng 2026 05/06/2026 10/06/2026" in text
    assert "Báo cáo năm 2030 10/11/2030 15/11/2030" in text


def test_task_page_lists_group_members(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/tasks/IV.4.5"))
    assert "Các phòng chuyên môn thuộc UBND phường" in text
    assert (
        "Thành viên: Phòng Xây dựng, Nông nghiệp và Môi trường, Phòng Kinh tế, Phòng Văn hóa – Xã hội, Văn phòng HĐND-UBND phường"
        in text
    )


def test_task_page_shows_milestones_and_dates(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/tasks/VI.1.6"))
    assert "Sơ kết giữa kỳ (năm 2028) · hạn 15/11/2028" in text
    dated = plain(page(client, f"/plans/{plan.id}/tasks/VI.3.2"))
    assert "Bắt đầu 01/01/2026 · Hạn 31/12/2026" in dated


def test_unassigned_task_page_says_it_needs_a_lead(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/tasks/IV.10.3"))
    assert "Chưa phân công" in text


def test_units_page_lists_units_groups_and_unassigned_tasks(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/units/"))
    assert "Nhiệm vụ chưa có đơn vị chủ trì" in text
    for code in ("IV.10.1", "IV.10.2", "IV.10.3", "IV.10.4", "IV.10.5"):
        assert code in text
    assert "Các tổ dân phố" in text and "Chưa có thành viên" in text


def test_unit_page_shows_what_it_leads_and_supports(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/units/phong-vh-xh"))
    led = text.split("Nhiệm vụ chủ trì")[1].split("Nhiệm vụ phối hợp")[0]
    supported = text.split("Nhiệm vụ phối hợp")[1]
    for code in ("IV.4.1", "IV.4.2", "IV.8", "VI.3.1", "VI.3.6"):
        assert code in led
    assert "IV.4.3" in supported
    # Through its groups: IV.4.5 names "các phòng chuyên môn".
    assert "IV.4.5" in supported and "qua nhóm Các phòng chuyên môn thuộc UBND phường" in supported
    assert "IV.4.3" not in led


def test_a_lead_that_is_also_in_a_partner_group_counts_as_lead(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/units/phong-xd-nn-mt"))
    supported = text.split("Nhiệm vụ phối hợp")[1]
    assert "IV.4.4" not in supported  # it leads IV.4.4; "các phòng, ban" among the partners includes it


def test_targets_page_shows_the_plans_numbers(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/targets/"))
    assert "Số hộ nghèo 64 2025" in text
    assert "Tỷ lệ hộ nghèo 1,01% 2025" in text and "0,87%" in text
    assert "Tổng 64" in text  # the five household groups add up to the 64 poor households
    assert "2026 22 5 7 0 0 12 0 20 42 42" in text
    assert "2030 19 0 0 0 0 0 0 0 0 0" in text
    assert "Tổng 64 16 22 4 11 30 0 29 176 176" in text
    assert "1.500.000" in text and "2.800.000" in text


def test_targets_page_shows_the_plans_own_discrepancy(client, plan):
    text = plain(page(client, f"/plans/{plan.id}/targets/"))
    assert "Số liệu của Kế hoạch không thống nhất" in text
    assert "(giảm 18 hộ)" in text and "19 hộ trong năm 2030" in text and "64 hộ cả giai đoạn 2026-2030" in text


def test_english_is_available(client, plan):
    client.get("/language/en")
    text = plain(page(client, f"/plans/{plan.id}/"))
    assert "Lead: Trạm Y tế phường" in text
    assert "Not assigned" in text


def test_language_switch_only_returns_to_this_site(client):
    response = client.get("/language/en?next=https://evil.example/")
    assert response.headers["Location"] == "/"
    response = client.get("/language/en?next=//evil.example/")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("url", ["/plans/999/", "/plans/{id}/tasks/IV.99", "/plans/{id}/units/khong-co"])
def test_unknown_things_are_404_in_vietnamese(client, plan, url):
    response = client.get(url.format(id=plan.id))
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.get_data(as_text=True)
