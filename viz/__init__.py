"""The browser visualizer's helpers: settings and presets, graph layout, drawings and the explainer.

``app.py`` assembles them into a Mesa SolaraViz page. Data flows one way: these modules read the
model (``model/``, ``agents/``); nothing in the model imports them.
"""
