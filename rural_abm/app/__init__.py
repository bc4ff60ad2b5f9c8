"""The teaching page (``rural-abm demo``): Mesa's SolaraViz over the model, for a classroom with no internet.

lesson.py (controls and presets), drawings.py (the pictures), page.py (the
Solara page), server.py (the command). The model never imports this package.
"""
