"""What draws without a window: chart plots and the PDF memo, for the GUI and the CLI.

Needs Qt's GUI classes (and pyqtgraph for charts), never ``thesis_desk.ui``: the
command line's memo export draws the same charts as the window without loading a view.
"""
