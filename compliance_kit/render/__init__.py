"""Renderers: terminal tables, PDF and workbook. They show the Assessment; they never decide a verdict."""
