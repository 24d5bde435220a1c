"""The page's controls: the run bar (Step, Play/Pause at a chosen speed, Run 1 year, Reset, the week,
and a busy sign while counties are built) and the settings (preset, comparison, jail policy, the
levers and the seed), each checked on the server before it applies.
"""

import math
import time

import solara
from solara.alias import rv as v

from agents.codes import WEEKS_PER_YEAR

from .session import LESSON_WEEKS
from .settings import DETAINER_LABELS, LEVERS, PRESET_LABELS, CountySettings, SettingsError, validated

PRESET_BY_LABEL = {label: key for key, label in PRESET_LABELS.items()}
DETAINER_BY_LABEL = {label: key for key, label in DETAINER_LABELS.items()}
NO_COMPARISON = "(one county only)"
SEED_LABEL = "Seed (any text; Enter to apply)"
SPEEDS = {"1": 1.0, "2": 2.0, "5": 5.0, "10": 10.0, "max": math.inf}  # Play: weeks a second
DEFAULT_SPEED = "5"
PAUSE = 0.02  # seconds between two weeks at the least, so the server hears clicks


def week_text(weeks: int) -> str:
    return f"Now at week {weeks} (year {weeks / WEEKS_PER_YEAR:.1f})."


@solara.component
def RunBar(counties, frame: solara.Reactive, playing: solara.Reactive, speed: solara.Reactive, busy: str,
           on_reset, delivery=None):
    """Step, Play/Pause, Run 1 year and Reset; the play speed; the week; what is being built, if anything."""
    frame.get()  # the week shown changes with every frame

    def redraw():
        frame.set(frame.value + 1)

    def step():
        counties.step()
        redraw()

    def run_year():
        counties.step(WEEKS_PER_YEAR)
        redraw()

    def play_loop():
        while playing.value:
            if counties.steps >= LESSON_WEEKS:
                playing.set(False)
                break
            start = time.perf_counter()
            counties.step()
            redraw()
            if delivery is not None:  # at most one week in flight: the browser has drawn the one before
                delivery.wait(frame.value - 1, still=lambda: playing.value)  # (viz.delivery)
            time.sleep(max(1.0 / SPEEDS[speed.value] - (time.perf_counter() - start), PAUSE))

    solara.lab.use_task(play_loop, dependencies=[playing.value, counties], prefer_threaded=True)

    def reset():
        playing.set(False)
        on_reset()

    still = bool(busy)
    with solara.Div(classes=["sc-runbar"]) as bar:
        solara.Button("Step", color="primary", on_click=step, disabled=playing.value or still)
        solara.Button("Pause" if playing.value else "Play", color="primary", disabled=still,
                      on_click=lambda: playing.set(not playing.value))
        solara.Button(f"Run 1 year ({WEEKS_PER_YEAR} weeks)", color="primary", on_click=run_year,
                      disabled=playing.value or still)
        solara.Button("Reset", on_click=reset, disabled=still)
        with solara.Div(classes=["sc-speed"]):
            solara.Text("Play speed, weeks a second:")
            solara.ToggleButtonsSingle(value=speed, values=list(SPEEDS), dense=True)
        solara.Text(week_text(counties.steps), classes=["sc-week"])
        if busy:
            with solara.Div(classes=["sc-busy"]):
                v.ProgressCircular(indeterminate=True, size=28, width=4, color="primary")
                solara.Text(busy)
    return bar


def run_help() -> str:
    return (f"<b>Step</b>: one week. <b>Play</b>: a week at a time at the chosen speed until Pause (it stops by "
            f"itself at week {LESSON_WEEKS}, five years). <b>Run 1 year</b>: {WEEKS_PER_YEAR} weeks at once. "
            "<b>Reset</b>: the same counties back to week 0 (same seed, same people).")


def use_release(slider_element, on_value, value):
    """Call ``on_value`` with the value a slider was let go at (Vuetify's ``change`` event carries it;
    the widget's own v_model may still lag behind the drag when the event arrives). If ``on_value``
    refuses it (returns False), the slider goes back to ``value``, what the county has."""
    callback = solara.use_ref(on_value)
    callback.current = on_value
    shown = solara.use_ref(value)
    shown.current = value

    def attach():
        widget = solara.get_widget(slider_element)

        def on_change(_widget, _event, data):
            if callback.current(data) is False:
                widget.v_model = shown.current

        widget.on_event("change", on_change)
        return lambda: widget.on_event("change", on_change, remove=True)

    solara.use_effect(attach, [])


@solara.component
def LabeledSlider(name: str, label: str, value, low, high, step, on_value):
    """A slider with its label (and current value) on a line of its own, readable on a projector.

    It reports a value only when the student lets go (Vuetify's ``change`` event), not at every
    position on the way: each new value rebuilds the county. ``name`` tags the slider widget
    (``meta_ref``) so tests can find it."""
    with solara.Column(gap="0px", classes=["sc-slider"]) as column:
        solara.Text(label, style={"font-size": "1rem"})
        slider = v.Slider(v_model=value, min=low, max=high, step=step, thumb_label=True,
                          hide_details=True).meta(ref=name)
        use_release(slider, on_value, value)
    return column


def in_use_text(settings: CountySettings) -> str:
    """The settings a county runs on, in a line (the settings panel's header)."""
    text = f"{PRESET_LABELS[settings.preset]}, seed {settings.seed or '(default)'}, {settings.n_residents:,} residents"
    if settings.compare_with:
        text += f"; compared with {PRESET_LABELS[settings.compare_with]}"
    return text


@solara.component
def SettingsPanel(settings: CountySettings, on_settings):
    """The preset, the comparison and the levers. Every change is checked on the server
    (``validated``: the slider's bounds and the model's own validation, never rounding) and, if
    good, hands new settings to ``on_settings``; if not, the county stays, the control goes back to
    what the county has (the seed box too) and the panel says why."""
    error, set_error = solara.use_state(None)
    refused, set_refused = solara.use_state(0)

    def change(**changes) -> bool:
        try:
            new = validated(settings.with_changes(**changes))
        except SettingsError as e:
            set_error(str(e))
            set_refused(refused + 1)  # a refused seed box is rebuilt with the seed in use
            return False
        set_error(None)
        on_settings(new)
        return True

    def slider(name, label):
        low, high, step = LEVERS[name]
        LabeledSlider(name, label, getattr(settings, name), low, high, step, lambda v: change(**{name: v}))

    compare_values = [NO_COMPARISON, *PRESET_LABELS.values()]
    with solara.Div(classes=["sc-settings"]) as panel:
        with solara.Div(classes=["sc-settings-grid"]):
            solara.Select("Preset", values=list(PRESET_LABELS.values()), value=PRESET_LABELS[settings.preset],
                          on_value=lambda label: change(preset=PRESET_BY_LABEL.get(label, label)))
            solara.Select("Compare with (same county, side by side)", values=compare_values,
                          value=PRESET_LABELS.get(settings.compare_with, NO_COMPARISON),
                          on_value=lambda label: change(compare_with=PRESET_BY_LABEL.get(label, "")))
            solara.Select("What the jail does with a detainer", values=list(DETAINER_LABELS.values()),
                          value=DETAINER_LABELS[settings.detainer_policy],
                          on_value=lambda label: change(detainer_policy=DETAINER_BY_LABEL.get(label, label)))
            solara.InputText(SEED_LABEL, value=settings.seed,
                             on_value=lambda text: change(seed=text or "")).key(f"seed-{refused}")
            slider("activation_week", f"Program reaches the county: week {settings.activation_week}")
            slider("policing_intensity", f"Policing intensity: {settings.policing_intensity:g} x typical arrests")
            slider("fear_sensitivity", f"Fear sensitivity: {settings.fear_sensitivity:g}")
            slider("n_residents", f"Residents: {settings.n_residents:,}")
        if error:
            solara.Error(f"Not applied: {error}", classes=["sc-settings-error"])
        solara.Text("Any change here starts the counties again at week 0. The defaults are the lesson's "
                    "settings (docs/classroom.md).", classes=["sc-note"])
    return panel
