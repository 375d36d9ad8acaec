"""The API's reference as a page, made by the app from its own OpenAPI description: no script
and nothing from another site, so it opens anywhere, on a phone too."""

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")


@bp.get("/docs")
def reference():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return render_template("api/reference.html", spec=spec)
