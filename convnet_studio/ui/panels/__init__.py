"""The studio's dock panels: palette, inspector, summary, problems (one widget per module)."""
