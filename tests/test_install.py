"""`make setup` installs the project into .venv, so it works from any folder, not only the repository."""

import subprocess
import sys


def test_the_model_and_the_command_line_work_from_another_folder(tmp_path):
    code = ("import model, experiments; m = model.SecureCommunitiesModel(rng=1, n_residents=200); m.step(); "
            "print(m.week)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
    cli = subprocess.run([sys.executable, "-m", "experiments", "--help"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode == 0 and "run" in cli.stdout
