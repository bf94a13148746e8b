"""pytest setup for the PyTorch runtime's tests: import mlbtc_torch from src/pytorch without installing it."""
import os
import sys

PACKAGE_ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "src", "pytorch")
sys.path.insert(0, os.path.abspath(PACKAGE_ROOT))
sys.path.insert(0, os.path.abspath(os.path.dirname(__file__)))
