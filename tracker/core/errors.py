from flask import Flask, render_template
from flask_wtf.csrf import CSRFError


def register(app: Flask) -> None:
    for code in (400, 403, 404, 413, 500):
        app.register_error_handler(code, _render_error(code))
    app.register_error_handler(CSRFError, lambda error: (render_template("errors/error.html", code="csrf"), 400))


def _render_error(code: int):
    def handler(error):
        return render_template("errors/error.html", code=code), code

    return handler
