from .invoice import InvoiceStatus

__all__ = ["InvoiceStatus"]
