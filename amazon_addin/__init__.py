"""AmazonImport: Amazon order reports into the Gestan ERP (Excel add-in and command line)."""

__version__ = "0.1.0"
