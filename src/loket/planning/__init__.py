"""Planning: demand forecasts, Erlang C staffing, office simulation and capacity plans.

Pure computation: no web framework, no database. Callers (CLI, web pages) pass data in and
get plain dataclasses or JSON-ready dicts back.
"""
