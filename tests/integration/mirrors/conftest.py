import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parent))
# affiliate_apis imports its sibling provider_apis by name.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "standins"))

from mirrorkit import deps, evolution_api, hook, links, redis, web  # noqa: F401 (fixtures)
