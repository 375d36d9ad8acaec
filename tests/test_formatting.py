"""Numbers and labels as each language writes them (tracker.core.formatting, tracker.core.labels).
They are remembered per language and value: what one request wrote in Vietnamese is never what
the next writes in English, and equal numbers of different types keep their own writing."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale

from tracker.core.formatting import format_number
from tracker.core.labels import label


def test_numbers_and_labels_are_written_in_the_language_of_each_request(app):
    with app.test_request_context():
        with force_locale("vi"):
            assert format_number(Decimal("1234.5")) == "1.234,5"
            assert label("task_status", "in_progress_overdue") == "Đang thực hiện quá hạn"
        with force_locale("en"):
            assert format_number(Decimal("1234.5")) == "1,234.5"
            assert label("task_status", "in_progress_overdue") != "Đang thực hiện quá hạn"
        with force_locale("vi"):
            assert format_number(Decimal("1234.5")) == "1.234,5"


def test_equal_numbers_of_different_types_keep_their_own_writing(app):
    with app.test_request_context(), force_locale("en"):
        assert format_number(-0.0) == "-0"
        assert format_number(0) == "0"
        assert format_number(Decimal("50.0")) == "50"


def test_a_template_speaks_the_language_in_force_at_each_line(app):
    """The templates' translations are kept for the language in use (tracker.core.i18n): an e-mail
    written in its reader's language in the middle of a Vietnamese request, then the request again."""
    template = app.jinja_env.from_string(
        '{{ _("Tasks") }} | {{ ngettext("%(num)d day overdue", "%(num)d days overdue", 3) }} | {{ n|number(1) }}'
    )
    with app.test_request_context():
        vietnamese = template.render(n=1234.5)
        with force_locale("en"):
            english = template.render(n=1234.5)
        again = template.render(n=1234.5)
    assert english == "Tasks | 3 days overdue | 1,234.5"
    assert vietnamese == again == "Nhiệm vụ | quá hạn 3 ngày | 1.234,5"
