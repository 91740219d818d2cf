"""The yardstick: a Flask page rendered from a Jinja template, nothing else (no database,
no session, no extensions). bench/rps.sh serves it with the same gunicorn settings as the
store, so "ours / hello" says what the store's own work costs on top of Flask + Jinja."""
from flask import Flask, render_template

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return render_template("hello.html", name="world", items=["one", "two", "three"])
