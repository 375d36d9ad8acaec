"""The plan data says what the plan itself says.

An independent check of the transcription in data/plans/bac-kan-2026-2030.yaml against the plan's
source text (data/plans/source/ke-hoach-giam-ngheo-ben-vung-bac-kan-2026-2030.txt, extracted from the
PDF). The expectations below were written by reading the SOURCE, not copied from the YAML: who leads
and who partners each section-IV task, the roadmap table, the household groups, the reporting
calendar. Texts are compared with the source after collapsing every whitespace run to one space on
both sides, because the PDF extraction broke lines mid-sentence and put blank lines between them.

Unit codes are the ward's identifiers from the YAML's `units` list; the mapping from the source's
wording to a code follows each unit's name and aliases there (e.g. "các đoàn thể phường" is an alias
of cac-to-chuc-ctxh, "Quân sự" of bch-quan-su, "Phòng, đơn vị thuộc UBND phường" of
cac-phong-ban-don-vi).

Numbers come from /work/shared/design.md ("The plan's own numbers"), which was checked against the
source's table in section III.4.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tests.conftest import PLAN_FILE, SOURCE_TEXT
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Assignment, Task
from tracker.planfile.reader import read_plan_file
from tracker.targets.models import Indicator
from tracker.targets.queries import plan_indicators, roadmap, roadmap_discrepancies
from tracker.units.models import Unit

# --- helpers ----------------------------------------------------------------------------------


def collapse(text: str | None) -> str:
    """Every run of whitespace (line breaks, blank lines, double spaces) becomes one space."""
    return re.sub(r"\s+", " ", text or "").strip()


def lines_of(text: str | None) -> list[str]:
    """The non-blank lines of a multi-paragraph field (one paragraph per line)."""
    return [line for line in (text or "").splitlines() if line.strip()]


def where_it_diverges(needle: str, haystack: str) -> str:
    """Explain a failed `needle in haystack`: how far the data follows the source, and what each
    side has after that point."""
    low, high = 0, len(needle)
    while low < high:  # the longest prefix of the needle that the source contains
        middle = (low + high + 1) // 2
        if needle[:middle] in haystack:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        return f"not even its first character is in the source: {needle[:60]!r}"
    at = haystack.find(needle[:low])
    return (
        f"follows the source up to …{needle[max(0, low - 50) : low]!r}; "
        f"then the data has {needle[low : low + 50]!r} where the source has {haystack[at + low : at + low + 50]!r}"
    )


def not_in_source(fields: list[tuple[str, str]], source: str) -> list[str]:
    """The fields (name, text) whose collapsed text is not in the collapsed source, explained."""
    problems = []
    for name, text in fields:
        wanted = collapse(text)
        if wanted and wanted not in source:
            problems.append(f"{name}: {where_it_diverges(wanted, source)}")
    return problems


def source_lines() -> list[str]:
    return SOURCE_TEXT.read_text(encoding="utf-8").splitlines()


def source_section(heading: str, next_heading: str) -> list[str]:
    """The non-blank source lines from the line starting with `heading` up to (not including) the
    line starting with `next_heading`."""
    lines = [line.strip() for line in source_lines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.startswith(heading))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(next_heading))
    return lines[start:end]


def tasks_by_code(plan) -> dict[str, Task]:
    tasks = db.session.scalars(
        select(Task)
        .where(Task.plan_id == plan.id)
        .options(
            selectinload(Task.assignments).selectinload(Assignment.unit),
            selectinload(Task.children),
            selectinload(Task.milestones),
        )
    ).all()
    return {task.code: task for task in tasks}


def descendants(task: Task) -> list[Task]:
    found = []
    for child in task.children:
        found.append(child)
        found.extend(descendants(child))
    return found


def leads(task: Task) -> list[str]:
    return [a.unit.code for a in sorted(task.assignments, key=lambda a: a.sort_order) if a.role == ROLE_LEAD]


def partners(task: Task) -> set[str]:
    return {a.unit.code for a in task.assignments if a.role == ROLE_PARTNER}


def indicators_by_code(plan) -> dict[str, Indicator]:
    return {indicator.code: indicator for indicator in plan_indicators(plan)}


def target_values(indicator: Indicator) -> dict[int, Decimal | None]:
    return {target.year: target.value for target in indicator.targets}


def plain(value: Decimal | None) -> int | Decimal | None:
    """A whole Decimal as an int, so that a failed comparison reads like the plan's table."""
    return int(value) if value is not None and value == value.to_integral_value() else value


@pytest.fixture(scope="module")
def collapsed_source() -> str:
    return collapse(SOURCE_TEXT.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def plan_file():
    return read_plan_file(PLAN_FILE)


# --- 1. who leads and who partners each section-IV task ---------------------------------------

# Read off the source's "Đơn vị chủ trì:" / "Đơn vị phối hợp:" lines, in the source's order.
# code: (lead units in the order named, partner units)
SECTION_IV_UNITS: dict[str, tuple[list[str], set[str]]] = {
    # "Đảng ủy, UBND phường." / "UB MTTQ Việt Nam và các tổ chức chính trị - xã hội, các phòng, ban,
    # đơn vị thuộc phường, tổ dân phố."
    "IV.1": (["dang-uy", "ubnd"], {"ub-mttq", "cac-to-chuc-ctxh", "cac-phong-ban-don-vi", "cac-to-dan-pho"}),
    # "UB MTTQ Việt Nam, Trung tâm Dịch vụ tổng hợp" / "Các tổ chức chính trị - xã hội, các phòng, ban,
    # đơn vị thuộc phường, tổ dân phố."
    "IV.2": (["ub-mttq", "tt-dich-vu-tong-hop"], {"cac-to-chuc-ctxh", "cac-phong-ban-don-vi", "cac-to-dan-pho"}),
    # "UBND phường." / "UB MTTQ Việt Nam và các tổ chức chính trị - xã hội, các phòng chuyên môn, tổ dân phố."
    "IV.3": (["ubnd"], {"ub-mttq", "cac-to-chuc-ctxh", "cac-phong-chuyen-mon", "cac-to-dan-pho"}),
    # "Phòng Văn hóa – Xã hội" / "UB MTTQ Việt Nam và các tổ chức chính trị - xã hội, các doanh nghiệp,
    # HTX, tổ dân phố."
    "IV.4.1": (["phong-vh-xh"], {"ub-mttq", "cac-to-chuc-ctxh", "cac-doanh-nghiep", "cac-htx", "cac-to-dan-pho"}),
    # "Phòng Văn hóa – Xã hội" / "Các trường học."
    "IV.4.2": (["phong-vh-xh"], {"cac-truong-hoc"}),
    # "Trạm y tế phường" / "Phòng Văn hóa – Xã hội, Phòng Xây dựng – Nông nghiệp và Môi trường, Bảo hiểm
    # xã hội cơ sở Bắc Kạn."
    "IV.4.3": (["tram-y-te"], {"phong-vh-xh", "phong-xd-nn-mt", "bhxh"}),
    # "Phòng Xây dựng – Nông nghiệp và Môi trường" / "Các phòng, ban, UB MTTQ VN và các đoàn thể phường,
    # Công an, Quân sự, trường học và các doanh nghiệp, tổ dân phố, …"
    "IV.4.4": (
        ["phong-xd-nn-mt"],
        {
            "cac-phong-ban-don-vi",
            "ub-mttq",
            "cac-to-chuc-ctxh",
            "cong-an",
            "bch-quan-su",
            "cac-truong-hoc",
            "cac-doanh-nghiep",
            "cac-to-dan-pho",
        },
    ),
    # "Văn phòng HĐND-UBND phường" / "Các phòng chuyên môn thuộc UBND phường."
    "IV.4.5": (["van-phong-hdnd-ubnd"], {"cac-phong-chuyen-mon"}),
    # "- Đơn vị chủ trì: Ủy ban MTTQ Việt Nam phường;" / "- Đơn vị phối hợp: Phòng, đơn vị thuộc UBND
    # phường, các tổ chức chính trị - xã hội, Ngân hàng Chính sách xã hội và các tổ dân phố."
    "IV.5": (["ub-mttq"], {"cac-phong-ban-don-vi", "cac-to-chuc-ctxh", "nhcsxh", "cac-to-dan-pho"}),
    # "UBND phường, UB MTTQ Việt Nam phường" / "Các phòng, ban, UB MTTQ VN và các đoàn thể phường,
    # Công an, Quân sự, trường học và các doanh nghiệp, tổ dân phố, …"
    # Documented exception: the source also lists "UB MTTQ VN" among the partners, but it already
    # leads this task and a unit cannot be both lead and partner, so ub-mttq is kept only as a lead.
    "IV.6": (
        ["ubnd", "ub-mttq"],
        {
            "cac-phong-ban-don-vi",
            "cac-to-chuc-ctxh",
            "cong-an",
            "bch-quan-su",
            "cac-truong-hoc",
            "cac-doanh-nghiep",
            "cac-to-dan-pho",
        },
    ),
    # "Phòng Xây dựng – Nông nghiệp và Môi trường" / "Các phòng chuyên môn thuộc UBND, tổ dân phố"
    "IV.7": (["phong-xd-nn-mt"], {"cac-phong-chuyen-mon", "cac-to-dan-pho"}),
    # "Phòng Văn hóa – Xã hội, Phòng Xây dựng – Nông nghiệp và Môi trường" / "UB MTTQ Việt Nam và các tổ
    # chức chính trị - xã hội, tổ dân phố."
    "IV.8": (["phong-vh-xh", "phong-xd-nn-mt"], {"ub-mttq", "cac-to-chuc-ctxh", "cac-to-dan-pho"}),
    # "Phòng Xây dựng – Nông nghiệp và Môi trường" / "UB MTTQ Việt Nam và các tổ chức chính trị - xã hội,
    # các phòng chuyên môn thuộc UBND phường, tổ dân phố."
    "IV.9": (["phong-xd-nn-mt"], {"ub-mttq", "cac-to-chuc-ctxh", "cac-phong-chuyen-mon", "cac-to-dan-pho"}),
}

UNASSIGNED_IV = ["IV.10", "IV.10.1", "IV.10.2", "IV.10.3", "IV.10.4", "IV.10.5"]


def test_section_iv_tasks_show_the_lead_and_partner_units_the_plan_names(plan):
    tasks = tasks_by_code(plan)
    wrong = []
    for code, (expected_leads, expected_partners) in SECTION_IV_UNITS.items():
        task = tasks[code]
        if leads(task) != expected_leads:
            wrong.append(f"{code} leads: data {leads(task)}, source {expected_leads}")
        if partners(task) != expected_partners:
            wrong.append(
                f"{code} partners: data has extra {sorted(partners(task) - expected_partners)}, "
                f"misses {sorted(expected_partners - partners(task))}"
            )
    assert not wrong, "\n".join(wrong)


def test_the_first_named_lead_is_the_one_who_answers_for_each_section_iv_task(plan):
    tasks = tasks_by_code(plan)
    for code, (expected_leads, _partners) in SECTION_IV_UNITS.items():
        primary = [a.unit.code for a in tasks[code].assignments if a.is_primary]
        assert primary == [expected_leads[0]], code
        assert all(a.role == ROLE_LEAD for a in tasks[code].assignments if a.is_primary), code


def test_group_solutions_and_section_headings_in_iv_are_unassigned(plan):
    tasks = tasks_by_code(plan)
    for code in UNASSIGNED_IV:
        assert tasks[code].assignments == [], f"{code} names no unit in the source"
    for code in ("IV.4", "IV.10"):
        assert leads(tasks[code]) == [], f"{code} is a heading; its subsections have the leads"


# --- 2. the lead/partner wording ----------------------------------------------------------------


def source_unit_statements(collapsed_section: str) -> list[tuple[str, str]]:
    """Each (lead words, partner words) pair of the source's section IV, in order: the words after
    "Đơn vị chủ trì:" up to "Đơn vị phối hợp:", and after that up to the next numbered heading."""
    pattern = re.compile(
        r"(?:- )?Đơn vị chủ trì: (?P<lead>.*?) (?:- )?Đơn vị phối hợp: (?P<partners>.*?)(?= \d+(?:\.\d+)*\. |$)"
    )
    return [(m["lead"], m["partners"]) for m in pattern.finditer(collapsed_section)]


def test_lead_and_partner_wording_is_the_plans_own(plan, collapsed_source):
    section_iv = collapse(" ".join(source_section("IV. NHIỆM VỤ", "V. KINH PHÍ")))
    statements = source_unit_statements(section_iv)
    codes = list(SECTION_IV_UNITS)
    assert len(statements) == len(codes), "the source's section IV has one statement per assigned task"

    tasks = tasks_by_code(plan)
    for code, (source_lead, source_partners) in zip(codes, statements):
        task = tasks[code]
        assert "Đơn vị chủ trì: " + collapse(task.lead_text) in collapsed_source, code
        assert "Đơn vị phối hợp: " + collapse(task.partners_text) in collapsed_source, code
        # and it is this task's own statement, complete
        assert collapse(task.lead_text) == source_lead, code
        assert collapse(task.partners_text) == source_partners, code
    for code in UNASSIGNED_IV + ["IV", "IV.4"]:
        assert tasks[code].lead_text is None and tasks[code].partners_text is None, code


# --- 3. text fidelity ---------------------------------------------------------------------------

PLACEHOLDER_LINE = "[Bảng lộ trình giảm nghèo: xem mục roadmap]"


def test_task_titles_and_texts_are_the_plans_words(plan_file, collapsed_source):
    fields = []
    for task in plan_file.plan.all_tasks():
        if task.code == "IV" or task.code.startswith("IV.") or task.title_source != "summary":
            fields.append((f"task {task.code} title", task.title))
        if task.text:
            fields.append((f"task {task.code} text", task.text))
            fields += [(f"task {task.code} text line {n}", line) for n, line in enumerate(lines_of(task.text), 1)]
    problems = not_in_source(fields, collapsed_source)
    assert not problems, "\n".join(problems)


def test_narrative_and_letter_texts_are_the_plans_words(plan_file, collapsed_source):
    data = plan_file.plan
    fields = [
        ("legal_bases", data.legal_bases),
        ("introduction", data.introduction),
        ("closing", data.closing),
    ]
    for section in data.narrative:
        fields.append((f"narrative {section.code} title", section.title))
        for number, line in enumerate(lines_of(section.text), 1):
            if line.strip() != PLACEHOLDER_LINE:
                fields.append((f"narrative {section.code} line {number}", line))
    fields += [(f"recipient {n}", r) for n, r in enumerate(data.recipients, 1)]
    signature = data.signature
    fields += [(f"signature {k}", v) for k, v in vars(signature).items() if v]
    problems = not_in_source(fields, collapsed_source)
    assert not problems, "\n".join(problems)


def test_target_texts_and_cost_notes_are_the_plans_words(plan_file, collapsed_source):
    data = plan_file.plan
    fields = []
    for indicator in data.indicators:
        fields += [(f"target {indicator.code} {t.year} text", t.text) for t in indicator.targets if t.text]
    fields += [(f"roadmap cost_notes line {n}", line) for n, line in enumerate(lines_of(data.roadmap.cost_notes), 1)]
    assert fields, "the plan has target texts and cost notes"
    problems = not_in_source(fields, collapsed_source)
    assert not problems, "\n".join(problems)


SECTIONS_OF_TASKS = [("IV", "IV. NHIỆM VỤ", "V. KINH PHÍ"), ("VI", "VI. TỔ CHỨC", "VII. CHẾ ĐỘ")]


def section_tasks(plan_file, section: str):
    return [t for t in plan_file.plan.all_tasks() if t.code.split(".")[0] == section]


def test_no_bullet_of_sections_iv_and_vi_was_dropped(plan_file):
    dropped, bullets = [], 0
    for section, heading, next_heading in SECTIONS_OF_TASKS:
        texts = [collapse(t.text) for t in section_tasks(plan_file, section) if t.text]
        for line in source_section(heading, next_heading):
            if not line.startswith("- ") or re.match(r"- Đơn vị (chủ trì|phối hợp):", line):
                continue
            bullets += 1
            if not any(collapse(line) in text for text in texts):
                dropped.append(f"{section}: {line}")
    assert bullets > 20, "the source's bullet paragraphs were found"
    assert not dropped, "source lines found in no task's text:\n" + "\n".join(dropped)


@pytest.mark.parametrize("section, heading, next_heading", SECTIONS_OF_TASKS)
def test_every_line_of_sections_iv_and_vi_is_in_the_tasks(plan_file, section, heading, next_heading):
    """Stronger than the bullets: every source line of the section, headings included, is part of a
    task's title, text, or "Đơn vị chủ trì/phối hợp" statement. A line may straddle a heading and its
    text ("12. ... quốc gia phường: Phối hợp, ...") or two consecutive duties cut from one paragraph
    (VI.3.1 / VI.3.2)."""
    tasks = section_tasks(plan_file, section)
    pieces = []
    for task in tasks:
        pieces += [task.title, task.text, f"{task.title}: {task.text}"]
        if task.lead_text:
            pieces.append("Đơn vị chủ trì: " + task.lead_text)
        if task.partners_text:
            pieces.append("Đơn vị phối hợp: " + task.partners_text)
    texts = [t.text for t in tasks if t.text]
    pieces += [f"{first} {second}" for first, second in zip(texts, texts[1:])]
    pieces = [collapse(p) for p in pieces if p]
    missing = []
    for line in source_section(heading, next_heading):
        words = collapse(re.sub(r"^(?:[IVX]+|\d+(?:\.\d+)*)\.\s+|^-\s+", "", line))
        if words and not any(words in piece for piece in pieces):
            missing.append(line)
    assert not missing, "source lines found in no task:\n" + "\n".join(missing)


# --- 4. the task tree ---------------------------------------------------------------------------


def test_section_iv_has_exactly_the_plans_numbered_solutions(plan):
    tasks = tasks_by_code(plan)
    expected = (
        [f"IV.{n}" for n in range(1, 11)] + [f"IV.4.{n}" for n in range(1, 6)] + [f"IV.10.{n}" for n in range(1, 6)]
    )
    assert sorted(t.code for t in descendants(tasks["IV"])) == sorted(expected)
    assert [t.code for t in tasks["IV"].children] == [f"IV.{n}" for n in range(1, 11)]
    assert [t.code for t in tasks["IV.4"].children] == [f"IV.4.{n}" for n in range(1, 6)]
    assert [t.code for t in tasks["IV.10"].children] == [f"IV.10.{n}" for n in range(1, 6)]


def test_section_vi_has_the_thirteen_responsibilities(plan):
    tasks = tasks_by_code(plan)
    assert [t.code for t in tasks["VI"].children] == [f"VI.{n}" for n in range(1, 14)]


def test_mid_term_and_final_reviews_are_milestones_of_the_reporting_duty(plan):
    # VI.1: "sơ kết giữa kỳ (năm 2028) và tổng kết giai đoạn (năm 2030)"
    milestones = tasks_by_code(plan)["VI.1.6"].milestones
    assert sorted(m.due_on for m in milestones) == [date(2028, 11, 15), date(2030, 11, 15)]


def test_section_vi_duties_belong_to_the_units_named_in_their_headings(plan):
    tasks = tasks_by_code(plan)
    assert leads(tasks["VI.6"]) == ["tram-y-te"]  # "6. Trạm Y tế phường"
    telecoms = tasks["VI.9"]  # "9. Đề nghị các doanh nghiệp viễn thông trên địa bàn"
    assert leads(telecoms) == ["cac-dn-vien-thong"]
    assert telecoms.assignments[0].unit.is_group
    wards_blocks = tasks["VI.13"].children  # "13. Các tổ dân phố"
    assert wards_blocks
    for task in wards_blocks:
        assert leads(task) == ["cac-to-dan-pho"], task.code


# --- 5. the roadmap (III.4) ---------------------------------------------------------------------

# Column order of the source's table, each recognised by words of its header.
ROADMAP_COLUMNS = [
    "nghèo cần giảm",  # Số hộ nghèo cần giảm từng năm
    "nhà ở",  # Nhà ở
    "nhà tiêu",  # Nhà tiêu hợp vệ sinh
    "khuyết tật",  # Hộ có người khuyết tật ĐBN vào cơ sở BTXH
    "thông tin",  # Hỗ trợ tài sản tiếp cận thông tin
    "học nghề",  # Học nghề, tạo việc làm
    "sản xuất",  # Hỗ trợ phát triển sản xuất
    "internet",  # Hỗ trợ internet
]
# year: (households, housing, latrine, disabled to facility, information assets, training/jobs,
#        production, internet), stated cost in million VND
ROADMAP = {
    2026: ((22, 5, 7, 0, 0, 12, 0, 20), 42),
    2027: ((12, 4, 7, 0, 3, 9, 0, 6), 54),
    2028: ((6, 3, 4, 0, 5, 6, 0, 3), 44),
    2029: ((5, 4, 4, 4, 3, 3, 0, 0), 36),
    2030: ((19, 0, 0, 0, 0, 0, 0, 0), 0),
}
ROADMAP_TOTALS = (64, 16, 22, 4, 11, 30, 0, 29)
ROADMAP_COST_TOTAL = 176


@pytest.fixture
def plan_roadmap(plan):
    return roadmap(plan, plan_indicators(plan))


def test_roadmap_columns_are_in_the_plans_order(plan_roadmap):
    names = [column.name.casefold() for column in plan_roadmap.columns]
    assert len(names) == len(ROADMAP_COLUMNS)
    for name, words in zip(names, ROADMAP_COLUMNS):
        assert words in name, (name, words)


def test_roadmap_by_year_matches_the_plans_table(plan_roadmap):
    codes = [column.code for column in plan_roadmap.columns]
    table = {
        row.year: (tuple(plain(row.values[code]) for code in codes), plain(row.stated_cost))
        for row in plan_roadmap.rows
    }
    for year, expected in ROADMAP.items():
        assert table.get(year) == expected, f"roadmap {year}"
    assert set(table) == set(ROADMAP)


def test_roadmap_totals_are_the_plans_totals(plan, plan_roadmap):
    codes = [column.code for column in plan_roadmap.columns]
    assert tuple(plain(plan_roadmap.totals[code]) for code in codes) == ROADMAP_TOTALS
    assert plan_roadmap.stated_cost_total == ROADMAP_COST_TOTAL
    assert plan_roadmap.computed_cost_total == ROADMAP_COST_TOTAL
    # the "Cộng:" row as stated in the layout equals the sums of the years
    stated = plan.roadmap["stated_totals"]
    assert tuple(plain(Decimal(stated[code])) for code in codes) == ROADMAP_TOTALS
    assert Decimal(stated[plan_roadmap.cost_indicator.code]) == ROADMAP_COST_TOTAL
    assert all(plan_roadmap.total_matches(code) for code in codes)


def test_each_years_cost_is_latrines_times_6_plus_information_assets_times_4(plan_roadmap):
    # The app's own arithmetic (latrines × 6 + information assets × 4, in million đồng) against the
    # cost the plan states for the year.
    for row in plan_roadmap.rows:
        _supports, stated_cost = ROADMAP[row.year]
        assert row.computed_cost == stated_cost, row.year
        assert row.cost_matches, row.year


# --- 6. baseline and household groups (III.1, III.3) --------------------------------------------


def test_household_groups_add_up_to_the_baseline_poor_households(plan):
    indicators = indicators_by_code(plan)
    assert indicators["poor-households"].baseline_value == 64
    assert indicators["poor-household-rate"].baseline_value == Decimal("1.01")
    assert indicators["near-poor-households"].baseline_value == 55
    assert indicators["near-poor-household-rate"].baseline_value == Decimal("0.87")

    groups = [i for i in indicators.values() if i.category == "household_group"]
    # "Nhóm 1 ... (07 hộ)", "Nhóm 2 ... (11 hộ)", "Nhóm 3 ... (41 hộ)", "Nhóm 4 ... (01 hộ)", "Nhóm 5 ... (04 hộ)"
    assert [g.name.split(":")[0] for g in groups] == [f"Nhóm {n}" for n in range(1, 6)]
    assert [plain(g.baseline_value) for g in groups] == [7, 11, 41, 1, 4]
    assert sum(g.baseline_value for g in groups) == indicators["poor-households"].baseline_value


# --- 7. poverty-reduction targets (II.3.1) ------------------------------------------------------


def test_poverty_reduction_targets_keep_both_figures_and_the_page_shows_the_gap(plan):
    indicators = plan_indicators(plan)
    reduction = [i for i in indicators if i.category == "poverty_reduction"]
    households = next(i for i in reduction if i.measure == "households")
    percent = next(i for i in reduction if i.measure == "percent")
    # "cuối năm 2026 là 0,34% (giảm 22 hộ nghèo)"; "giai đoạn 2026-2030 là 0,29% (giảm 18 hộ)"
    assert {year: plain(v) for year, v in target_values(households).items()} == {2026: 22, 2030: 18}
    assert target_values(percent) == {2026: Decimal("0.34"), 2030: Decimal("0.29")}

    plan_roadmap = roadmap(plan, indicators)
    assert plan_roadmap.rows[-1].year == 2030
    assert plan_roadmap.rows[-1].values[plan_roadmap.columns[0].code] == 19

    found = roadmap_discrepancies(indicators, plan_roadmap)
    assert [(d.year, d.stated, d.roadmap_value) for d in found] == [(2030, 18, 19)]


# --- 8. reporting calendar (VII) ----------------------------------------------------------------


def test_reporting_calendar_follows_section_vii(plan):
    periods = db.session.scalars(select(ReportingPeriod).where(ReportingPeriod.plan_id == plan.id)).all()
    by_key = {(p.kind, p.year): p for p in periods}
    expected = {(kind, year) for year in range(2026, 2031) for kind in ("six_month", "annual")}
    expected |= {("mid_term", 2028), ("final", 2030)}
    assert set(by_key) == expected
    for year in range(2026, 2031):
        assert by_key["six_month", year].ward_deadline == date(year, 6, 10)  # "trước ngày 10/6 hằng năm"
        assert by_key["annual", year].ward_deadline == date(year, 11, 15)  # "trước ngày 15/11 hằng năm"
    assert by_key["mid_term", 2028].ward_deadline.year == 2028  # "Sơ kết giữa kỳ năm 2028"
    assert by_key["final", 2030].ward_deadline.year == 2030  # "Tổng kết giai đoạn năm 2030"
    for period in periods:
        assert period.unit_deadline == period.ward_deadline - timedelta(days=5), (period.kind, period.year)


# --- 9. coverage targets (II.3.2) ---------------------------------------------------------------


def test_coverage_targets_are_100_percent_except_child_stunting(plan):
    coverage = [i for i in plan_indicators(plan) if i.category == "coverage"]
    # social security; jobs; health insurance; child stunting; school age; vocational training;
    # housing; clean water; hygienic latrines; information
    assert len(coverage) == 10
    for indicator in coverage:
        values = target_values(indicator)
        assert 2030 in values, indicator.code
        if "suy dinh dưỡng thấp còi" in indicator.name:
            # "Phấn đấu giảm tỷ lệ suy dinh dưỡng thấp còi ...": no figure in the source
            assert values[2030] is None, indicator.code
        else:
            assert values[2030] == 100, indicator.code
    assert sum("suy dinh dưỡng thấp còi" in i.name for i in coverage) == 1


# --- 10. unit groups ----------------------------------------------------------------------------


def units_called(plan, words: str) -> list[Unit]:
    """The ward's units whose name or an alias starts with `words` (ignoring case)."""
    wanted = words.casefold()
    units = db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id)).all()
    return [u for u in units if any(n.casefold().startswith(wanted) for n in [u.name, *u.aliases])]


@pytest.mark.parametrize(
    "words",
    ["các tổ dân phố", "các tổ chức chính trị - xã hội", "các trường học", "các doanh nghiệp viễn thông"],
)
def test_collective_names_in_the_plan_are_unit_groups(plan, words):
    found = units_called(plan, words)
    assert len(found) == 1, [u.code for u in found]
    assert found[0].is_group


def test_the_specialised_offices_group_has_the_four_offices(plan):
    found = units_called(plan, "Các phòng chuyên môn thuộc UBND phường")
    assert len(found) == 1
    group = found[0]
    assert group.is_group
    assert {member.code for member in group.members} == {
        "phong-xd-nn-mt",
        "phong-kinh-te",
        "phong-vh-xh",
        "van-phong-hdnd-ubnd",
    }
