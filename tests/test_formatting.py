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
