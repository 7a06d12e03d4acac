"""The meetings blueprint: the members' pages (views.py) and the delegates' pages
(manage_views.py, agenda_views.py) share it, so every endpoint is "meetings.*"."""

from flask import Blueprint

bp = Blueprint("meetings", __name__)
