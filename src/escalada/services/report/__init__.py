"""The escalation report of a case: its record gathered in one read-only unit of work
(`gathering`), built into sections (`sections`), rendered as Markdown, HTML or PDF
(`escalada.adapters.reports`)."""

from escalada.services.report.building import RenderedReport, escalation_report, report_body

__all__ = ["RenderedReport", "escalation_report", "report_body"]
