"""The page's stylesheet: sized for a projector at 1024x768, 1280x720 and 1920x1080.

Nothing is wider than the window: the run bar wraps, the county and its readout sit side by side
only from 1500 pixels, plots go two to a row, tables break lines between words only, and the
social graph is never taller than the window (so the class sees all of it at once).
"""

PAGE_CSS = """
.v-application { font-size: 17px; }
.sc-main { max-width: 1900px; margin: 0 auto; }
.sc-main, .sc-main * { overflow-wrap: normal; word-break: normal; hyphens: manual; }
.sc-main .v-card__title { word-break: normal; font-size: 1.3rem; line-height: 1.35; }
.sc-runbar { position: sticky; top: -12px; z-index: 4; background: #fff; display: flex; flex-wrap: wrap;
  align-items: center; gap: 6px 12px; padding: 8px 4px; border-bottom: 2px solid #ddd; margin-bottom: 8px; }
.sc-runbar .v-btn { font-size: 1rem; letter-spacing: 0.02em; }
.sc-week { font-size: 1.35rem; font-weight: bold; white-space: nowrap; }
.sc-speed { display: flex; align-items: center; gap: 6px; flex-wrap: wrap; }
.sc-speed .v-btn { min-width: 44px !important; padding: 0 8px !important; }
.sc-busy { display: flex; align-items: center; gap: 10px; font-size: 1.1rem; font-weight: bold; color: #0D47A1; }
.sc-stale { opacity: 0.35; pointer-events: none; transition: opacity 0.2s; }
.sc-help, .sc-note { font-size: 0.95rem; line-height: 1.4; color: #333; }
.sc-panels .v-expansion-panel-header { font-size: 1.2rem; font-weight: bold; min-height: 52px; }
.sc-panels .v-expansion-panel-header .sc-in-use { font-weight: normal; font-size: 1rem; color: #333; }
.sc-settings-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 4px 28px; }
.sc-settings-grid .v-select__selection { white-space: normal; line-height: 1.3; }
.sc-explainer { font-size: 1.1rem; line-height: 1.5; }
.sc-explainer p { margin-bottom: 0.7em; }
.sc-top { display: grid; gap: 12px; grid-template-columns: minmax(0, 1fr); align-items: start; }
@media (min-width: 1500px) { .sc-top { grid-template-columns: minmax(0, 2fr) minmax(440px, 1fr); } }
.sc-side { display: flex; flex-direction: column; gap: 12px; min-width: 0; }
.sc-pair { display: grid; gap: 12px; grid-template-columns: repeat(2, minmax(0, 1fr)); align-items: start; }
.sc-plots { display: grid; gap: 12px; grid-template-columns: repeat(2, minmax(0, 1fr)); margin-top: 12px; }
.sc-plots-title { font-size: 1.25rem; margin: 18px 0 0 4px; }
.sc-card { padding: 10px 12px; min-width: 0; }
.sc-card h3 { font-size: 1.2rem; line-height: 1.35; margin: 0 0 6px 0; font-weight: bold; }
.sc-heading { font-size: 1.05rem; line-height: 1.4; margin-bottom: 6px; }
.sc-following { font-size: 1.05rem; line-height: 1.4; margin-bottom: 6px; padding: 4px 8px; background: #FFF3CD;
  border-left: 4px solid #000; }
.sc-graph-picture { text-align: center; }
.sc-graph-img { display: block; margin: 0 auto; width: 100%; height: auto; cursor: crosshair; }
.sc-plot img { display: block; width: 100%; height: auto; }
.sc-plot > div { height: auto !important; }
.sc-key { display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 1rem; line-height: 1.35; margin-top: 6px; }
.sc-key-item { display: inline-flex; align-items: center; gap: 6px; }
.sc-dot { display: inline-block; width: 16px; height: 16px; border-radius: 50%; flex: none; position: relative;
  box-sizing: border-box; }
.sc-dot .sc-mark { position: absolute; left: 4px; top: 4px; width: 8px; height: 8px; border-radius: 50%; }
.sc-line { display: inline-block; width: 30px; height: 0; border-top-width: 4px; flex: none; }
.sc-readout-table { border-collapse: collapse; font-size: 1.05rem; width: 100%; table-layout: auto; }
.sc-readout-table th, .sc-readout-table td { padding: 3px 6px; border-bottom: 1px solid #ddd; text-align: right;
  vertical-align: top; }
.sc-readout-table th:first-child, .sc-readout-table td:first-child { text-align: left; }
.sc-readout-table td:not(:first-child) { white-space: nowrap; }
.sc-readout-table thead th { font-size: 0.95rem; vertical-align: bottom; }
.sc-readout-table tr.sc-section th { text-align: left; background: #f2f2f2; padding-top: 8px; }
.sc-window { font-weight: normal; font-style: italic; }
.sc-level-1 { padding-left: 22px !important; }
.sc-level-2 { padding-left: 40px !important; }
.sc-label .sc-note { font-size: 0.85rem; color: #555; }
.sc-lesson-table { border-collapse: collapse; width: 100%; font-size: 1rem; }
.sc-lesson-table th, .sc-lesson-table td { padding: 4px 6px; border-bottom: 1px solid #ddd; text-align: left;
  vertical-align: top; }
.sc-inspector { font-size: 1.02rem; line-height: 1.45; }
.sc-inspector table { border-collapse: collapse; width: 100%; }
.sc-inspector td { padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
.sc-bar { display: inline-block; height: 12px; vertical-align: middle; }
.sc-members .v-btn { text-transform: none; font-size: 0.95rem; height: auto !important; min-height: 34px;
  white-space: normal; text-align: left; padding: 4px 8px !important; justify-content: flex-start; }
.sc-members .v-btn__content { white-space: normal; flex-shrink: 1; }
.sc-plots-title { font-size: 1.25rem; margin: 18px 0 0 4px; }
.sc-downloads { display: flex; flex-wrap: wrap; gap: 8px; margin-top: 8px; }
@media (max-width: 1100px) { .sc-plots, .sc-pair { gap: 8px; } .sc-card { padding: 8px; } }
"""
