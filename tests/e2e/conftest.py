import sys
from pathlib import Path

# The AI tests' world (stand-ins, webhook helpers) is reused here.
sys.path.insert(0, str(Path(__file__).parents[1] / "ai"))
