import sys
from pathlib import Path

# The API tests' builders (apikit) are shared with the inbox tests.
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
