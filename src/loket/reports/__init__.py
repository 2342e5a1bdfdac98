"""Rendering of reports (charts, XLSX, PDF, CSV, JSON) from the domain's figures. No web imports."""
