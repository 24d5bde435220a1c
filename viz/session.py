"""What one browser session runs: the county, optionally a second county under another preset, and
the same county without the program, all on the same seed and levers, stepped together.

``Counties.step()`` advances every county one week, so the two sides of compare mode and the
"compared with no program" readout are always at the same week. The no-program twin is a
``pre_sc`` run on the same seed (the panel's twin runs have not landed); it is never drawn, only
counted, and is shared when one of the shown counties is itself ``pre_sc``.
"""

from .settings import ClassroomCounty, CountySettings, validated

LESSON_WEEKS = 260  # five years: Play stops here, as the lesson does


class Counties:
    def __init__(self, settings: CountySettings | None = None):
        self.settings = validated(settings or CountySettings())
        self.left = ClassroomCounty(self.settings.with_changes(compare_with=""))
        self.right = None
        if self.settings.compare_with:
            self.right = ClassroomCounty(self.settings.with_changes(preset=self.settings.compare_with,
                                                                    detainer_policy="preset", compare_with=""))
        shown = [m for m in (self.left, self.right) if m is not None]
        no_program = [m for m in shown if m.settings.preset == "pre_sc" and m.settings.detainer_policy == "preset"]
        self.baseline = no_program[0] if no_program else ClassroomCounty(
            self.settings.with_changes(preset="pre_sc", detainer_policy="preset", compare_with=""))

    @property
    def shown(self) -> list:
        """The counties drawn on the page: one, or two in compare mode."""
        return [self.left] if self.right is None else [self.left, self.right]

    @property
    def all(self) -> list:
        """Every county run, each once (the no-program twin may be one of the shown)."""
        out = []
        for m in (*self.shown, self.baseline):
            if all(m is not o for o in out):
                out.append(m)
        return out

    @property
    def steps(self) -> int:
        return self.left.steps

    def step(self, weeks: int = 1) -> None:
        for _ in range(weeks):
            for model in self.all:
                model.step()
