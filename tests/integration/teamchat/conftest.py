import sys
from pathlib import Path

# The API tests' builders (apikit) and the inbox tests' (inboxkit) are shared here.
sys.path.insert(0, str(Path(__file__).parents[1] / "api"))
sys.path.insert(0, str(Path(__file__).parents[1] / "inbox"))
