from .control_totals import ControlTotals, ControlTotalsLine

__all__ = ["ControlTotals", "ControlTotalsLine"]
