"""The browser visualizer's parts: settings, the counties a session runs, the graph's layout and
drawing, the plots, the readout, the lesson's observations, the resident inspector, the downloads,
the controls, the cards and the stylesheet.

``app.py`` assembles them into a Solara page of its own (deliberately not Mesa's generic
``SolaraViz`` frame; see its docstring). Data flows one way: these modules read the model
(``model/``, ``agents/``); nothing in the model imports them.
"""
