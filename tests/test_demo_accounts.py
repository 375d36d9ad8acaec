import pytest
from sqlalchemy import func, select

from tests.conftest import PLAN_FILE
from tracker.accounts.models import ROLE_PROVINCE_COMMITTEE, WARD_ROLES, User
from tracker.extensions import db


@pytest.fixture
def cli(empty_app):
    """A database with the plan but no accounts yet, as after the first `make run` step."""
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["plan", "load", str(PLAN_FILE)]).exit_code == 0
    return runner


def test_demo_accounts_one_per_role_created_once(cli):
    result = cli.invoke(args=["users", "create-demo"])
    assert result.exit_code == 0, result.output
    users = db.session.scalars(select(User)).all()
    # One per ward role, and the province's committee, which reads the ward's province.
    assert sorted(code for u in users for code in u.role_codes) == sorted([*WARD_ROLES, ROLE_PROVINCE_COMMITTEE])
    province = next(u for u in users if u.role_codes == {ROLE_PROVINCE_COMMITTEE})
    assert (province.ward_id, province.province) == (None, "Tỉnh Thái Nguyên")
    for user in users:
        assert user.username in result.output
    assert "DEMO" in result.output.upper()

    # Each creation is in the audit log, by the command line, marked as a demo account.
    from tracker.audit.models import AuditEvent

    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.create")).all()
    assert sorted(e.detail["username"] for e in events) == sorted(u.username for u in users)
    assert all(e.username == "cli" and e.detail["demo"] is True for e in events)

    again = cli.invoke(args=["users", "create-demo"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == len(WARD_ROLES) + 1


def test_demo_passwords_work_and_are_hashed(cli):
    result = cli.invoke(args=["users", "create-demo"])
    line = next(line for line in result.output.splitlines() if "demo.canbo" in line)
    password = line.split()[2]
    user = db.session.scalar(select(User).where(User.username == "demo.canbo"))
    assert user.check_password(password)
    assert password not in user.password_hash
    assert user.unit.code == "phong-vh-xh"


def test_no_demo_accounts_when_accounts_exist(app):
    result = app.test_cli_runner().invoke(args=["users", "create-demo"])
    assert result.exit_code == 0
    assert not db.session.scalar(select(func.count(User.id)).where(User.username.like("demo.%")))
