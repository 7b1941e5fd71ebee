"""A plot with a legend below it and a short placeholder while it has nothing to draw.

pyqtgraph's own legend floats over the view box, where it hides the ends of the curves
(the newest steps, the latest epochs); :class:`OutsideLegend` is a line of coloured names
under the plot instead. An empty plot would show default axes (-400..400 with an
"x0.001" scale): :class:`PlotFrame` shows a sentence in its place until data arrives.
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

NO_RUN = "No run to show: press Start, or select runs in the runs list."
MAX_LEGEND_SHARE = 0.3  # of the frame's height, at most, for the legend under the plot
NO_GRADS = "Gradient norms appear once the run logs them (Grad norms, in the Training settings)."


class OutsideLegend(QLabel):
    """Entries ``— name`` in each curve's colour, wrapped onto as many lines as needed.

    Mirrors the part of ``pg.LegendItem``'s API the plots use: ``addItem``, ``clear``.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setContentsMargins(6, 0, 6, 0)
        font = self.font()
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        self.setFont(font)
        self.entries: list[tuple[str, str, bool]] = []
        self.setVisible(False)

    def addItem(self, item: Any, name: str) -> None:
        pen = item.opts.get("pen") if hasattr(item, "opts") else None
        color = pen.color().name() if pen is not None and hasattr(pen, "color") else "#333"
        dashed = pen is not None and hasattr(pen, "style") and \
            pen.style() != Qt.PenStyle.SolidLine
        self.entries.append((name, color, dashed))
        self._render()

    def clear(self) -> None:
        self.entries = []
        self._render()

    def names(self) -> list[str]:
        return [name for name, _, _ in self.entries]

    def _render(self) -> None:
        parts = [f'<span style="color:{color}">{"╌╌" if dashed else "━━"}</span>&nbsp;'
                 f"{escape(name)}" for name, color, dashed in self.entries]
        self.setText("&nbsp;&nbsp; ".join(parts))


class PlotFrame(QWidget):
    """Stacks a plot widget over its placeholder and its legend.

    Args:
        plot: the ``pg.PlotWidget``.
        placeholder: what to say while there is nothing to draw.
        legend: the legend shown under the plot, if any.
    """

    def __init__(self, plot: QWidget, placeholder: str, legend: OutsideLegend | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.stack = QStackedWidget()
        self.placeholder = QLabel(placeholder)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setStyleSheet("color: #777; background: white; border: 1px solid #ddd;")
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(plot)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.stack, 1)
        if legend is not None:
            layout.addWidget(legend)
        self.legend = legend

    @property
    def empty(self) -> bool:
        return self.stack.currentIndex() == 0

    def show_data(self, has_data: bool, placeholder: str | None = None) -> None:
        """Show the plot (``has_data``) or the placeholder (optionally with new words)."""
        if placeholder is not None and placeholder != self.placeholder.text():
            self.placeholder.setText(placeholder)
        index = 1 if has_data else 0
        if self.stack.currentIndex() != index:
            self.stack.setCurrentIndex(index)
        self._fit_legend()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_legend()

    def _fit_legend(self) -> None:
        """Show the legend where it names something and leaves the plot room to draw.

        One entry names nothing the title does not. In a small frame (1366 x 768, a docked
        plot) a legend wrapped over four lines left the curves 60 px: it gives way, and the
        layer list beside the plot, in the same colours, names them.
        """
        if self.legend is None:
            return
        wanted = not self.empty and len(self.legend.entries) > 1
        if wanted and self.height() > 0:
            wanted = self.legend.heightForWidth(max(1, self.width())) <= MAX_LEGEND_SHARE * self.height()
        if wanted != self.legend.isVisible():
            self.legend.setVisible(wanted)
