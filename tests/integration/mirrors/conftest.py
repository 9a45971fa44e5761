import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parent))

from mirrorkit import deps, evolution_api, hook, redis  # noqa: F401 (fixtures)
