"""`flask plan load` validates the whole file before writing: every kind of error is reported with
file, line and plain words, the command fails, and the database is left exactly as it was."""

import pytest

from tests.conftest import PLAN_FILE
from tests.helpers import database_snapshot, line_of

ORIGINAL = PLAN_FILE.read_text(encoding="utf-8")


def mutate(old: str, new: str, count: int = 1) -> str:
    assert ORIGINAL.count(old) >= count, f"{old!r} not in the plan file"
    return ORIGINAL.replace(old, new, count)


def load(cli, tmp_path, content: str):
    path = tmp_path / "plan.yaml"
    path.write_text(content, encoding="utf-8")
    result = cli.invoke(args=["plan", "load", str(path)])
    return path, result


def cycle_file() -> str:
    content = ORIGINAL.replace(
        "    members: [phong-xd-nn-mt, phong-kinh-te, phong-vh-xh, van-phong-hdnd-ubnd]\n",
        "    members: [phong-xd-nn-mt, phong-kinh-te, phong-vh-xh, van-phong-hdnd-ubnd, cac-doanh-nghiep]\n",
    )
    assert content != ORIGINAL
    content = content.replace(
        "    members: [cac-dn-vien-thong]\n", "    members: [cac-dn-vien-thong, cac-phong-chuyen-mon]\n"
    )
    return content


CASES = {
    "yaml syntax": (lambda: mutate("  name: Phường Bắc Kạn\n", '  name: "Phường Bắc Kạn\n'), "YAML"),
    "unknown unit": (lambda: mutate("    lead: [tram-y-te]", "    lead: [tram-y-te-phuong]"), "tram-y-te-phuong"),
    "duplicate code": (lambda: mutate("code: IV.4.2\n", "code: IV.4.1\n"), "IV.4.1"),
    "malformed code": (lambda: mutate("code: IV.4.3\n", "code: IV.4.x\n"), "IV.4.x"),
    "bad date": (lambda: mutate("ward_deadline: 2026-06-10", "ward_deadline: 2026-06-31"), "2026-06-31"),
    "missing field": (
        lambda: mutate("\n" + " " * 14 + "title: Chính sách hỗ trợ về y tế cho hộ nghèo\n", "\n"),
        "title",
    ),
    "cycle": (cycle_file, "cac-phong-chuyen-mon"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_bad_file_is_refused_with_its_line_and_changes_nothing(app, cli, tmp_path, case):
    make_content, token = CASES[case]
    content = make_content()
    before = database_snapshot()

    path, result = load(cli, tmp_path, content)

    assert result.exit_code != 0
    assert token in result.output
    assert f"{path}:" in result.output
    assert database_snapshot() == before


def test_the_error_names_the_line_where_the_problem_is(app, cli, tmp_path):
    content = mutate("    lead: [tram-y-te]", "    lead: [tram-y-te-phuong]")
    path, result = load(cli, tmp_path, content)
    assert f"{path}:{line_of(content, 'tram-y-te-phuong')}:" in result.output


def test_a_duplicate_code_names_both_lines(app, cli, tmp_path):
    content = mutate("code: IV.4.2\n", "code: IV.4.1\n")
    path, result = load(cli, tmp_path, content)
    first, second = line_of(content, "code: IV.4.1"), line_of(content, "code: IV.4.1", 2)
    assert f"{path}:{second}:" in result.output
    assert str(first) in result.output.split(f"{path}:{second}:")[1].splitlines()[0]


def test_a_cycle_is_spelled_out(app, cli, tmp_path):
    _, result = load(cli, tmp_path, cycle_file())
    assert (
        "cac-phong-chuyen-mon → cac-doanh-nghiep → cac-phong-chuyen-mon" in result.output
        or "cac-doanh-nghiep → cac-phong-chuyen-mon → cac-doanh-nghiep" in result.output
    )


def test_every_error_in_a_file_is_reported_at_once(app, cli, tmp_path):
    content = mutate("    lead: [tram-y-te]", "    lead: [tram-y-te-phuong]")
    content = content.replace("ward_deadline: 2026-06-10", "ward_deadline: 2026-13-10")
    _, result = load(cli, tmp_path, content)
    assert "tram-y-te-phuong" in result.output and "2026-13-10" in result.output


def test_a_bad_file_leaves_an_empty_database_empty(empty_app, tmp_path):
    cli = empty_app.test_cli_runner()
    before = database_snapshot()
    _, result = load(cli, tmp_path, mutate("code: IV.4.3\n", "code: IV.4.x\n"))
    assert result.exit_code != 0
    assert database_snapshot() == before


def test_a_unit_cannot_be_lead_and_partner_of_one_task(app, cli, tmp_path):
    content = mutate("    partners: [cac-truong-hoc]", "    partners: [cac-truong-hoc, phong-vh-xh]")
    _, result = load(cli, tmp_path, content)
    assert result.exit_code != 0
    assert "phong-vh-xh" in result.output


def test_a_task_due_before_it_starts_is_refused(app, cli, tmp_path):
    content = mutate("    due: 2026-12-31", "    due: 2025-12-31")
    _, result = load(cli, tmp_path, content)
    assert result.exit_code != 0
    assert "2025-12-31" in result.output


def test_an_unknown_field_is_refused(app, cli, tmp_path):
    indent = " " * 14
    content = mutate(f"\n{indent}lead: [tram-y-te]\n", f"\n{indent}lead: [tram-y-te]\n{indent}deadline: 2026-01-01\n")
    _, result = load(cli, tmp_path, content)
    assert result.exit_code != 0
    assert "deadline" in result.output


def test_a_missing_file_is_reported(app, cli, tmp_path):
    result = cli.invoke(args=["plan", "load", str(tmp_path / "nope.yaml")])
    assert result.exit_code != 0
    assert "nope.yaml" in result.output
