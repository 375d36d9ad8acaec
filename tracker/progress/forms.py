from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, MultipleFileField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError

from tracker.accounts.permissions import can
from tracker.core.forms import Form, PercentField
from tracker.core.labels import LABELS
from tracker.core.submissions import OnceField
from tracker.extensions import db
from tracker.progress import storage
from tracker.progress.models import (
    STATE_BLOCKED,
    STATE_DONE,
    STATE_WORKING,
    STATES,
    VISIBILITY_RESTRICTED,
    VISIBILITY_WARD,
    ProgressUpdate,
)
from tracker.progress.services import UpdateInput

STATE_CHOICES = [(state, LABELS["update_state"][state]) for state in STATES]
# Who may open the files, said as the people it means; the narrower choice first and chosen.
VISIBILITY_CHOICES = [
    (VISIBILITY_RESTRICTED, _l("Only the task's units, the secretariat and the steering committee")),
    (VISIBILITY_WARD, _l("Everyone in the ward")),
]


class ProgressForm(Form):
    percent = PercentField(
        _l("Percent complete"),
        validators=[
            InputRequired(message=_l("Enter the percent complete, a whole number from 0 to 100.")),
            NumberRange(min=0, max=100, message=_l("The percent complete must be between 0 and 100.")),
        ],
    )
    state = SelectField(_l("State"), choices=STATE_CHOICES, default=STATE_WORKING)
    results = TextAreaField(_l("Results achieved"), validators=[Length(max=10000)])
    difficulties = TextAreaField(_l("Difficulties"), validators=[Length(max=10000)])
    proposals = TextAreaField(_l("Proposals"), validators=[Length(max=10000)])
    evidence = MultipleFileField(_l("Evidence files"), render_kw={"accept": storage.ACCEPT})
    visibility = RadioField(_l("Who may open the files"), choices=VISIBILITY_CHOICES, default=VISIBILITY_RESTRICTED)
    corrects = HiddenField()
    correction_note = TextAreaField(_l("What this corrects"), validators=[Length(max=2000)])
    once = OnceField()

    def validate_percent(self, field):
        if self.state.data == STATE_DONE and field.data is not None and field.data != 100:
            raise ValidationError(_l("A finished task is 100% complete: enter 100 or choose another state."))

    def validate_difficulties(self, field):
        if self.state.data == STATE_BLOCKED and not (field.data or "").strip():
            raise ValidationError(_l("Say what blocks the task, so the committee can help."))

    def validate_correction_note(self, field):
        if self.corrects.data and not (field.data or "").strip():
            raise ValidationError(_l("Say what this update corrects."))

    def update_input(self) -> UpdateInput:
        """What the form says, for services.post_update (the task page and the API alike)."""
        return UpdateInput(
            percent=self.percent.data,
            state=self.state.data,
            results=self.results.data,
            difficulties=self.difficulties.data,
            proposals=self.proposals.data,
            correction_note=self.correction_note.data,
            visibility=self.visibility.data,
        )

    def corrected_update(self, task) -> ProgressUpdate | None:
        """The update the post corrects, if it names one. NotCorrectable when it names one that is
        not of this task or not the user's to correct."""
        if not self.corrects.data:
            return None
        text = str(self.corrects.data)
        corrects = db.session.get(ProgressUpdate, int(text)) if text.isdigit() else None
        if corrects is None or corrects.task_id != task.id or not can("correct_update", corrects):
            raise NotCorrectable(text)
        return corrects


class NotCorrectable(LookupError):
    """The post names an update it may not correct."""
